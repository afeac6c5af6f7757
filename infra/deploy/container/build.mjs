#!/usr/bin/env node
// @ts-check
// The build stage of infra/deploy/container/Containerfile: the bootstrap's own steps (Node 24,
// pnpm, dependencies, the web app, the mediasoup worker compiled against Debian's libraries
// and validated by its C++ tests) in the same code as `npm start`, then a runtime tree with
// production dependencies only:
//
//   <out>/node/bin/node           Node 24 (the bootstrap's runtime)
//   <out>/bin/mediasoup-worker    the validated worker
//   <out>/docs/deployment.md      how to run it (the systemd unit's Documentation=)
//   <out>/app/                    the workspace: root manifests, apps/server, apps/web/dist,
//                                 packages/protocol, packages/sframe, production node_modules
//
//   node infra/deploy/container/build.mjs <out>
//
// Debian's build packages must be installed before (the Containerfile installs the list from
// infra/bootstrap/debian-packages.mjs, less the test-only ones). It rewrites node_modules of
// the tree it runs in: run it in a throwaway copy (a container build stage), never a checkout
// you work in.
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureDependencies } from '../../bootstrap/dependencies.mjs';
import { ensureNodeRuntime, nodeHome } from '../../bootstrap/node-runtime.mjs';
import { cacheDir, repoRoot } from '../../bootstrap/paths.mjs';
import { ensurePnpm } from '../../bootstrap/pnpm.mjs';
import { run } from '../../bootstrap/processes.mjs';
import { BootstrapError, say, step } from '../../bootstrap/progress.mjs';
import { buildWebApp, projectEnv } from '../../bootstrap/project-steps.mjs';
import { ensureMediasoupWorker } from '../../mediasoup-worker/build.mjs';

/** What the server needs at run time, relative to the repository root. */
const runtimeFiles = [
  'package.json',
  'pnpm-workspace.yaml',
  'pnpm-lock.yaml',
  'node_modules',
  'apps/server/package.json',
  'apps/server/src',
  'apps/server/node_modules',
  'apps/web/dist',
  'packages/protocol/package.json',
  'packages/protocol/src',
  'packages/protocol/node_modules',
  'packages/sframe/package.json',
  'packages/sframe/src',
  'packages/sframe/node_modules',
];

/** The repository root and every workspace package (pnpm-workspace.yaml's globs). */
function workspaceDirs() {
  const dirs = ['.', 'bench', 'tests'];
  for (const group of ['apps', 'packages']) {
    if (!existsSync(join(repoRoot, group))) continue;
    for (const name of readdirSync(join(repoRoot, group))) dirs.push(join(group, name));
  }
  return dirs;
}

async function main() {
  const [outArgument] = process.argv.slice(2);
  if (!outArgument) throw new BootstrapError('usage: build.mjs <output directory>');
  const out = resolve(outArgument);
  if (out === repoRoot || out.startsWith(`${repoRoot}/`)) {
    throw new BootstrapError('the output directory must be outside the repository');
  }
  await step('Node runtime', ensureNodeRuntime);
  await step('pnpm', ensurePnpm);
  // The image is built from the lockfile exactly (ensureDependencies reads CI).
  const env = projectEnv({ CI: 'true' });
  process.env.CI = 'true';
  await step('dependencies', () => ensureDependencies(env));
  await step('web app', async () => {
    await buildWebApp(env);
    return true;
  });
  let workerBinary = '';
  await step('mediasoup worker', async () => {
    const worker = await ensureMediasoupWorker(cacheDir);
    workerBinary = worker.binary;
    return worker.built;
  });
  await step('production dependencies', async () => {
    say('reinstalling the server and its workspace packages without development dependencies');
    for (const dir of workspaceDirs()) {
      rmSync(join(repoRoot, dir, 'node_modules'), { recursive: true, force: true });
    }
    await run(
      'pnpm',
      [
        '--filter',
        '@skjerm/server...',
        'install',
        '--prod',
        '--frozen-lockfile',
        '--reporter=append-only',
      ],
      { cwd: repoRoot, env },
    );
    return true;
  });
  await step('runtime tree', async () => {
    rmSync(out, { recursive: true, force: true });
    mkdirSync(join(out, 'bin'), { recursive: true });
    // Only the node binary: npm, headers and docs of the runtime package are not needed.
    mkdirSync(join(out, 'node', 'bin'), { recursive: true });
    cpSync(join(nodeHome, 'bin', 'node'), join(out, 'node', 'bin', 'node'));
    cpSync(join(nodeHome, 'LICENSE'), join(out, 'node', 'LICENSE'));
    cpSync(workerBinary, join(out, 'bin', 'mediasoup-worker'));
    cpSync(join(repoRoot, 'docs', 'deployment.md'), join(out, 'docs', 'deployment.md'));
    for (const path of runtimeFiles) {
      const from = join(repoRoot, path);
      if (!existsSync(from)) continue;
      // pnpm links packages into node_modules/.pnpm with relative symlinks: keep them as such.
      cpSync(from, join(out, 'app', path), { recursive: true, verbatimSymlinks: true });
    }
    say(`runtime tree in ${out}`);
    return true;
  });
}

main().catch((error) => {
  process.stderr.write(
    `${error instanceof BootstrapError ? error.message : (error?.stack ?? error)}\n`,
  );
  process.exitCode = 1;
});
