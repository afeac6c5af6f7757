import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadConfig, SkjermServer } from '@skjerm/server';
import type { KeySource } from '../../apps/server/src/auth/token-verifier.ts';
import { MediaRoom } from '../../apps/server/src/media/media-room.ts';
import type { ServerDependencies } from '../../apps/server/src/server.ts';
import { TEST_ISSUER } from './test-tokens.ts';

let nextMediaPort = 41000 + (process.pid % 200) * 20;

/**
 * A Skjerm server in this process on 127.0.0.1 with a free HTTPS port, its own media ports
 * and data folder, plain RTP allowed (the tests' media peers speak plain RTP). `dependencies`
 * adds test-only hooks such as the frame tap.
 */
export async function startTestServer(
  keySource: KeySource,
  env: Record<string, string> = {},
  dependencies: Omit<ServerDependencies, 'keySource'> = {},
): Promise<SkjermServer> {
  const mediaPort = nextMediaPort;
  nextMediaPort += 4;
  const config = loadConfig({
    SKJERM_HOST: '127.0.0.1',
    SKJERM_PORT: '0',
    SKJERM_DATA_DIR: mkdtempSync(join(tmpdir(), 'skjerm-test-')),
    SKJERM_MEDIA_WORKERS: '1',
    SKJERM_MEDIA_PORT: String(mediaPort),
    SKJERM_PLAIN_RTP: 'true',
    SKJERM_OIDC_ISSUER: TEST_ISSUER,
    SKJERM_LOG_LEVEL: process.env.SKJERM_TEST_LOG_LEVEL ?? 'silent',
    ...env,
  });
  return SkjermServer.start(config, createLogger(config.logLevel), {
    ...dependencies,
    keySource,
  });
}

/** The in-process media room of a live consultation (single-process servers only). */
export function localMediaRoom(server: SkjermServer, consultationId: string): MediaRoom {
  const media = server.consultations.get(consultationId)?.media;
  if (!(media instanceof MediaRoom)) throw new Error(`no local media room for ${consultationId}`);
  return media;
}
