// @ts-check
import { mkdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { toolchainDir } from './paths.mjs';

/**
 * Points `.toolchain/<name>` at a cached tool, so the project's own folder shows which
 * toolchain it runs on. Returns true when the link had to change.
 * @param {string} name
 * @param {string} target
 */
export function linkIntoToolchain(name, target) {
  const link = join(toolchainDir, name);
  try {
    if (readlinkSync(link) === target) return false;
  } catch {
    // missing or not a link: (re)create below
  }
  mkdirSync(toolchainDir, { recursive: true });
  rmSync(link, { recursive: true, force: true });
  symlinkSync(target, link);
  return true;
}
