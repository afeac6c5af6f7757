// @ts-check
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, repoRoot } from './paths.mjs';
import { run } from './processes.mjs';
import { BootstrapError, say } from './progress.mjs';
import { linkIntoToolchain } from './toolchain-links.mjs';

/** The pnpm version pinned by package.json's packageManager field (the one source of it). */
function pinnedPnpmVersion() {
  /** @type {{ packageManager?: string }} */
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  const match = /^pnpm@(\d+\.\d+\.\d+)$/.exec(manifest.packageManager ?? '');
  if (!match?.[1]) throw new BootstrapError('package.json must pin packageManager as pnpm@X.Y.Z');
  return match[1];
}

export const pnpmVersion = pinnedPnpmVersion();
export const pnpmHome = join(cacheDir, `pnpm-${pnpmVersion}`);
export const pnpmBinDir = join(pnpmHome, 'bin');

/** Installs the pinned pnpm from the npm registry into the cache (no corepack download). */
export async function ensurePnpm() {
  let changed = false;
  if (!existsSync(join(pnpmBinDir, 'pnpm'))) {
    say(`installing pnpm ${pnpmVersion}`);
    mkdirSync(cacheDir, { recursive: true });
    const staging = mkdtempSync(join(cacheDir, '.pnpm-'));
    try {
      await run(
        'npm',
        ['install', '--global', '--prefix', staging, `pnpm@${pnpmVersion}`, '--silent'],
        { quiet: true },
      );
      rmSync(pnpmHome, { recursive: true, force: true });
      renameSync(staging, pnpmHome);
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      throw error;
    }
    changed = true;
  }
  return linkIntoToolchain('pnpm', pnpmHome) || changed;
}
