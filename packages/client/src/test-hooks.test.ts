import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleClient } from '../scripts/bundle.ts';

const dirs: string[] = [];

async function bundle(options: { testHooks?: boolean }) {
  const outdir = mkdtempSync(join(tmpdir(), 'skjerm-bundle-'));
  dirs.push(outdir);
  const { files } = await bundleClient({ outdir, minify: true, ...options });
  const read = (name: string) => readFileSync(files[name] as string, 'utf8');
  return { sdk: read('skjerm-client'), worker: read('e2ee-worker') };
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('test hooks in browser bundles', () => {
  it('are absent from a production bundle: neither the SDK nor the worker knows the plaintext sample', async () => {
    const { sdk, worker } = await bundle({});
    for (const code of [sdk, worker]) {
      expect(code).not.toContain('sample-plaintext');
      expect(code).not.toContain('plaintext-sample');
    }
    // The method stays, failing clearly.
    expect(sdk).toContain('samplePlaintextFrames exists only in test bundles');
  });

  it('are present in a bundle built with testHooks', async () => {
    const { sdk, worker } = await bundle({ testHooks: true });
    expect(sdk).toContain('sample-plaintext');
    expect(worker).toContain('sample-plaintext');
  });
});
