/** Small waits the multi-process tests share. */

/** Polls `condition` every 50 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Runs a clean-up step, reporting rather than throwing its failure (the others still run). */
export async function settle(step: () => Promise<void> | void): Promise<void> {
  try {
    await step();
  } catch (error) {
    console.error('clean-up step failed:', error);
  }
}
