// @ts-check
// Steps the bootstrap (run.mjs) and the container build (infra/deploy/container/build.mjs)
// share once the toolchain is in place.
import { delimiter, join } from 'node:path';
import { nodeBinary, nodeHome } from './node-runtime.mjs';
import { repoRoot } from './paths.mjs';
import { pnpmBinDir } from './pnpm.mjs';
import { run } from './processes.mjs';

/**
 * The environment project commands run in: the project's Node and pnpm first on PATH.
 * @param {NodeJS.ProcessEnv} [extra]
 * @returns {NodeJS.ProcessEnv}
 */
export function projectEnv(extra = {}) {
  return {
    ...process.env,
    PATH: [join(nodeHome, 'bin'), pnpmBinDir, process.env.PATH ?? ''].join(delimiter),
    // pnpm would otherwise offer to self-update or switch versions through the network.
    npm_config_update_notifier: 'false',
    COREPACK_ENABLE_STRICT: '0',
    ...extra,
  };
}

/**
 * Builds the web app the server serves (apps/web/dist). esbuild takes well under a second, so
 * it is simply rebuilt each time: a stale bundle would be worse than the time saved.
 * @param {NodeJS.ProcessEnv} env
 */
export async function buildWebApp(env) {
  await run(nodeBinary, ['apps/web/scripts/build.ts'], { cwd: repoRoot, env, quiet: true });
}
