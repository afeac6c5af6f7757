/**
 * Builds the web app into a directory the server serves (default apps/web/dist):
 *
 *   index.html            the one page (every app address answers with it)
 *   assets/app.js         the app, with the SDK (esbuild bundle, ES2022)
 *   assets/e2ee-worker.js the E2EE transform worker
 *   assets/styles.css, assets/favicon.svg
 *
 * Nothing is fetched from elsewhere at run time: no CDN, no web fonts.
 * `testHooks` builds in what browser tests need (plaintext samples); never for production.
 */
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export interface WebBuildOptions {
  readonly outdir: string;
  readonly minify?: boolean;
  readonly testHooks?: boolean;
}

export const DEFAULT_WEB_DIR = here('../dist');

export async function buildWebApp(options: WebBuildOptions): Promise<void> {
  const { outdir } = options;
  rmSync(outdir, { recursive: true, force: true });
  const assets = join(outdir, 'assets');
  mkdirSync(assets, { recursive: true });
  await build({
    entryPoints: {
      app: here('../src/main.tsx'),
      'e2ee-worker': fileURLToPath(import.meta.resolve('@skjerm/e2ee/transform-worker')),
    },
    outdir: assets,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    // Every browser with RTCRtpScriptTransform or createEncodedStreams runs ES2022.
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: options.minify ?? true,
    sourcemap: 'linked',
    logLevel: 'warning',
    define: {
      'process.env.NODE_ENV': '"production"',
      SKJERM_TEST_HOOKS: options.testHooks ? 'true' : 'false',
    },
  });
  cpSync(here('../public/index.html'), join(outdir, 'index.html'));
  for (const file of ['styles.css', 'favicon.svg']) {
    cpSync(here(`../public/${file}`), join(assets, file));
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outdir = process.argv[2] ?? DEFAULT_WEB_DIR;
  const started = performance.now();
  await buildWebApp({ outdir });
  console.log(`web app built into ${outdir} in ${Math.round(performance.now() - started)} ms`);
}
