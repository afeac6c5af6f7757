// @ts-check
// Progress output for the bootstrap: one prefixed line per step, with how long it took, so a
// first run that spends minutes compiling says what it is doing and a warm run stays quiet.

const prefix = '[bootstrap]';

/** @param {string} message */
export function say(message) {
  process.stderr.write(`${prefix} ${message}\n`);
}

/**
 * Runs one bootstrap step and reports it when it did work (returned true) or failed.
 * @param {string} name
 * @param {() => Promise<boolean>} step resolves true when it changed something
 */
export async function step(name, step) {
  const started = performance.now();
  try {
    const changed = await step();
    if (changed) say(`${name}: done in ${seconds(started)}`);
  } catch (error) {
    say(`${name}: FAILED after ${seconds(started)}`);
    throw error;
  }
}

/** @param {number} started */
export function seconds(started) {
  return `${((performance.now() - started) / 1000).toFixed(1)} s`;
}

/** An error whose message is the whole story: printed without a stack trace. */
export class BootstrapError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'BootstrapError';
  }
}
