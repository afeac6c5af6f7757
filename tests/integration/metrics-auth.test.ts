/** /metrics behind SKJERM_METRICS_TOKEN: only a scraper with the token gets the figures. */
import type { SkjermServer } from '@skjerm/server';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../apps/server/src/config/config.ts';
import { startTestServer } from '../support/test-server.ts';
import { TestIssuer, testKeySource } from '../support/test-tokens.ts';
import { requireWorkerBinary } from '../support/worker-binary.ts';

const token = 'm'.repeat(40);
const agent = new Agent({ connect: { rejectUnauthorized: false } });
let server: SkjermServer;

async function scrape(authorization?: string) {
  const response = await fetch(`${server.url}/metrics`, {
    dispatcher: agent,
    headers: authorization ? { authorization } : {},
  });
  return { status: response.status, body: await response.text() };
}

describe('/metrics with a token', () => {
  beforeAll(async () => {
    requireWorkerBinary();
    server = await startTestServer(testKeySource(await TestIssuer.create()), {
      SKJERM_METRICS_TOKEN: token,
    });
  });

  afterAll(async () => {
    await server?.close();
    await agent.close();
  });

  it('answers the scraper that presents it, and nobody else', async () => {
    expect((await scrape(`Bearer ${token}`)).body).toContain('skjerm_');
    for (const header of [undefined, 'Bearer wrong', `Basic ${token}`, `Bearer ${token}x`]) {
      const refused = await scrape(header);
      expect(refused.status, String(header)).toBe(401);
      expect(refused.body).not.toContain('skjerm_');
    }
  });

  it('refuses a guessable token at start, without printing it', () => {
    expect(() => loadConfig({ SKJERM_METRICS_TOKEN: 'short-secret' })).toThrow(
      /SKJERM_METRICS_TOKEN.*at least 32 characters \(it has 12\)/,
    );
    expect(() => loadConfig({ SKJERM_METRICS_TOKEN: 'short-secret' })).not.toThrow(/short-secret/);
  });
});
