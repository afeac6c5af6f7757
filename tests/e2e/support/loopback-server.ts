/**
 * A Skjerm server for browser tests, in the test process: HTTPS on a free port of 127.0.0.1,
 * one mediasoup worker on `mediaPort` (each fixture takes its own range, so fixtures of one
 * Playwright worker never collide), its own data folder, silent unless
 * SKJERM_TEST_LOG_LEVEL=debug. `stop()` closes it and deletes the folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadConfig, SkjermServer } from '@skjerm/server';
import type { ServerDependencies } from '../../../apps/server/src/server.ts';
import { requireWorkerBinary } from '../../support/worker-binary.ts';

export async function startLoopbackServer(options: {
  mediaPort: number;
  env?: Record<string, string>;
  dependencies?: Omit<ServerDependencies, 'keySource'>;
}): Promise<{ server: SkjermServer; stop: () => Promise<void> }> {
  requireWorkerBinary();
  const dataDir = mkdtempSync(join(tmpdir(), 'skjerm-e2e-'));
  const server = await SkjermServer.start(
    loadConfig({
      SKJERM_HOST: '127.0.0.1',
      SKJERM_PORT: '0',
      SKJERM_PUBLIC_HOSTNAME: '127.0.0.1',
      SKJERM_DATA_DIR: dataDir,
      SKJERM_MEDIA_WORKERS: '1',
      SKJERM_MEDIA_LISTEN_IP: '127.0.0.1',
      SKJERM_MEDIA_PORT: String(options.mediaPort),
      SKJERM_LOG_LEVEL: 'silent',
      ...options.env,
    }),
    createLogger(process.env.SKJERM_TEST_LOG_LEVEL === 'debug' ? 'debug' : 'silent'),
    options.dependencies,
  );
  return {
    server,
    async stop() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
