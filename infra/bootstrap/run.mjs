#!/usr/bin/env node
// @ts-check
// Entry point of `npm start` and `npm test`. Runs on whatever Node the machine has (Debian's
// is 20): makes sure the Debian packages, Node 24, pnpm, the dependencies and the mediasoup
// worker are in place (each step is idempotent and cached), then runs the named package
// script under Node 24 with the worker binary configured.
//
//   node infra/bootstrap/run.mjs <package-script> [args...]
//   node infra/bootstrap/run.mjs --only-bootstrap
import { spawn } from 'node:child_process';
import { ensureMediasoupWorker } from '../mediasoup-worker/build.mjs';
import { ensureDebianPackages } from './debian-packages.mjs';
import { ensureDependencies } from './dependencies.mjs';
import { ensureNodeRuntime } from './node-runtime.mjs';
import { cacheDir, repoRoot } from './paths.mjs';
import { ensurePnpm } from './pnpm.mjs';
import { BootstrapError, say, seconds, step } from './progress.mjs';
import { buildWebApp, projectEnv } from './project-steps.mjs';

/** @returns {Promise<NodeJS.ProcessEnv>} the environment every project command runs in */
async function bootstrap() {
  const started = performance.now();
  await step('Debian packages', ensureDebianPackages);
  await step('Node runtime', ensureNodeRuntime);
  await step('pnpm', ensurePnpm);
  const env = projectEnv();
  await step('dependencies', () => ensureDependencies(env));
  await step('web app', async () => {
    await buildWebApp(env);
    return false;
  });
  let workerBinary = '';
  await step('mediasoup worker', async () => {
    const worker = await ensureMediasoupWorker(cacheDir);
    workerBinary = worker.binary;
    return worker.built;
  });
  // mediasoup reads this when its module loads; an operator's own setting wins.
  env.MEDIASOUP_WORKER_BIN = process.env.MEDIASOUP_WORKER_BIN ?? workerBinary;
  say(`ready in ${seconds(started)}`);
  return env;
}

async function main() {
  const [script, ...args] = process.argv.slice(2);
  if (!script)
    throw new BootstrapError('usage: run.mjs <package-script> [args...] | --only-bootstrap');
  const env = await bootstrap();
  if (script === '--only-bootstrap') return 0;
  const child = spawn('pnpm', ['run', '--silent', script, ...args], {
    cwd: repoRoot,
    env,
    stdio: 'inherit',
  });
  // npm passes Ctrl-C and `kill` to us; the server must get them for a graceful shutdown.
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
    process.on(signal, () => child.kill(signal));
  }
  return new Promise((resolve) => {
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + 15 : 1)));
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    if (error instanceof BootstrapError) say(`error: ${error.message}`);
    else console.error(error);
    process.exitCode = 1;
  },
);
