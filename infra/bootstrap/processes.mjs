// @ts-check
import { spawn } from 'node:child_process';
import { BootstrapError } from './progress.mjs';

/**
 * Runs a command to completion. Output is inherited (the user sees it) unless `onLine` is
 * given, in which case each output line goes there instead and the last lines are kept for
 * the error message.
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv, onLine?: (line: string) => void, quiet?: boolean }} [options]
 * @returns {Promise<string>} captured output when onLine or quiet is set, else ''
 */
export function run(command, args, options = {}) {
  const capture = Boolean(options.onLine || options.quiet);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: capture ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
    });
    /** @type {string[]} */
    const lines = [];
    let pending = '';
    /** @param {Buffer} chunk */
    const collect = (chunk) => {
      pending += chunk.toString('utf8');
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (lines.length > 4000) lines.splice(0, 2000);
        options.onLine?.(line);
      }
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.on('error', (error) =>
      reject(new BootstrapError(`cannot run ${command}: ${error.message}`)),
    );
    child.on('close', (code, signal) => {
      if (pending) lines.push(pending);
      if (code === 0) {
        resolve(lines.join('\n'));
        return;
      }
      const tail = lines.slice(-40).join('\n');
      reject(
        new BootstrapError(
          `${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`})${tail ? `:\n${tail}` : ''}`,
        ),
      );
    });
  });
}
