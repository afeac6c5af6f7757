/**
 * Bundles the SDK and the E2EE transform worker for browsers with esbuild:
 *
 *   skjerm-client.js   the SDK (ESM): import { SkjermClient } from './skjerm-client.js'
 *   e2ee-worker.js     the module worker to pass as `e2eeWorkerUrl`
 *
 * Run `node packages/client/scripts/bundle.ts [outdir]` (default packages/client/dist), or
 * call bundleClient() from a build or test setup, which can add entries of its own (and, for
 * browser tests only, `testHooks`).
 */
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export interface BundleOptions {
  readonly outdir: string;
  /** More entry points, output name → source file (e.g. a test page's script). */
  readonly entries?: Readonly<Record<string, string>>;
  readonly minify?: boolean;
  /**
   * Browser tests only: keep the test hooks (SkjermClient.samplePlaintextFrames and the E2EE
   * worker's plaintext sampler; see @skjerm/e2ee test-hooks.d.ts). Without it esbuild drops
   * them, so no production bundle can hand out plaintext frames.
   */
  readonly testHooks?: boolean;
}

export interface BundleResult {
  /** Output file per entry name. */
  readonly files: Readonly<Record<string, string>>;
  /** Size of the JavaScript written (source maps not counted). */
  readonly bytes: number;
}

export const SDK_ENTRIES = {
  'skjerm-client': here('../src/index.ts'),
  'e2ee-worker': fileURLToPath(import.meta.resolve('@skjerm/e2ee/transform-worker')),
} as const;

export async function bundleClient(options: BundleOptions): Promise<BundleResult> {
  const entryPoints = { ...SDK_ENTRIES, ...options.entries };
  const result = await build({
    entryPoints,
    outdir: options.outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    // Every browser with RTCRtpScriptTransform or createEncodedStreams runs ES2022.
    target: 'es2022',
    minify: options.minify ?? false,
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
    define: {
      'process.env.NODE_ENV': '"production"',
      SKJERM_TEST_HOOKS: options.testHooks === true ? 'true' : 'false',
    },
  });
  return {
    files: Object.fromEntries(
      Object.keys(entryPoints).map((name) => [name, `${options.outdir}/${name}.js`]),
    ),
    bytes: outputBytes(result.metafile),
  };
}

function outputBytes(metafile: Metafile): number {
  return Object.entries(metafile.outputs)
    .filter(([file]) => file.endsWith('.js'))
    .reduce((sum, [, output]) => sum + output.bytes, 0);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outdir = process.argv[2] ?? here('../dist');
  const { files, bytes } = await bundleClient({ outdir, minify: true });
  console.log(`bundled ${Object.values(files).join(', ')} (${(bytes / 1024).toFixed(0)} KiB)`);
}
