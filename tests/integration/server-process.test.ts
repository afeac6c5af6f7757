import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { httpsGet, startServerProcess, stopServerProcess } from '../support/server-process.ts';
import { requireWorkerBinary } from '../support/worker-binary.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'skjerm-process-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('the server process started as npm start starts it', () => {
  it('serves /healthz over HTTPS with a self-signed certificate for localhost, backed by a live worker, and stops cleanly on SIGTERM', async () => {
    requireWorkerBinary();
    const server = await startServerProcess({
      SKJERM_DATA_DIR: dataDir,
      SKJERM_MEDIA_WORKERS: '1',
    });
    try {
      expect(server.url).toMatch(/^https:\/\/localhost:\d+$/);
      const ca = readFileSync(join(dataDir, 'tls', 'localhost.crt'), 'utf8');
      const health = await httpsGet(`${server.url}/healthz`, ca);
      expect(health.status).toBe(200);
      const body = health.body as { status: string; workers: { pid: number }[] };
      expect(body.status).toBe('ok');
      expect(body.workers).toHaveLength(1);
      // The pid is a live process of the worker binary the bootstrap built.
      const workerPid = body.workers[0]?.pid ?? 0;
      expect(readFileSync(`/proc/${workerPid}/cmdline`, 'utf8').split('\0')[0]).toBe(
        requireWorkerBinary(),
      );

      const ready = await httpsGet(`${server.url}/readyz`, ca);
      expect(ready).toEqual({
        status: 200,
        body: { status: 'ready', workersAlive: 1, workersWanted: 1 },
      });
    } finally {
      expect(await stopServerProcess(server)).toBe(0);
    }
    expect(server.logs.some((entry) => entry.msg === 'stopped')).toBe(true);
  });

  it('refuses to start with a clear message naming a malformed variable', () => {
    const result = spawnSync(process.execPath, ['apps/server/src/main.ts'], {
      cwd: fileURLToPath(new URL('../../', import.meta.url)),
      env: { ...process.env, SKJERM_PORT: 'eighty' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('SKJERM_PORT');
    expect(result.stderr).toContain('"eighty"');
  });
});
