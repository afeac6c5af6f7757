// @ts-check
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Where built and downloaded tools live: outside the clone, so a fresh clone on the same
 * machine (CI, a second checkout) reuses the Node runtime, pnpm and the mediasoup worker.
 */
export const cacheDir =
  process.env.SKJERM_CACHE_DIR ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'skjerm');

/** Project-local links to the cached toolchain. */
export const toolchainDir = join(repoRoot, '.toolchain');
