// @ts-check
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths.mjs';
import { run } from './processes.mjs';
import { say } from './progress.mjs';

const stampFile = join(repoRoot, 'node_modules', '.skjerm-install-stamp');

/** Every file whose change means dependencies must be installed again. */
function manifestFiles() {
  const files = ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', '.npmrc'];
  for (const group of ['packages', 'apps']) {
    const dir = join(repoRoot, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) files.push(join(group, name, 'package.json'));
  }
  files.push('bench/package.json', 'tests/package.json');
  return files.filter((file) => existsSync(join(repoRoot, file)));
}

function manifestsHash() {
  const hash = createHash('sha256');
  for (const file of manifestFiles()) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(join(repoRoot, file)));
  }
  return hash.digest('hex');
}

/**
 * Runs `pnpm install` when a manifest or the lockfile changed since the last install; the
 * store lives outside the clone, so a reinstall mostly links what is already there.
 * @param {NodeJS.ProcessEnv} env environment with Node 24 and pnpm first on PATH
 */
export async function ensureDependencies(env) {
  const wanted = manifestsHash();
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === wanted) return false;
  say('installing dependencies with pnpm');
  // CI must install exactly the lockfile; a developer who edited a manifest gets it updated.
  const frozen = process.env.CI ? ['--frozen-lockfile'] : [];
  await run('pnpm', ['install', ...frozen, '--reporter=append-only'], { cwd: repoRoot, env });
  writeFileSync(stampFile, wanted);
  return true;
}
