/**
 * The media node registry against a real redis-server (Debian's package) on 127.0.0.1, without
 * persistence: nodes announce themselves with their load and vanish when their heartbeat stops;
 * an operator drains and undrains them (also through the cluster CLI); signaling keeps placing
 * with the last list it read while Redis is down or frozen, and nodes re-register once an empty
 * Redis is back.
 */
import { execFile } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createLogger } from '@skjerm/server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { MediaNodeAnnouncer } from '../../apps/server/src/cluster/media-node-announcer.ts';
import {
  MediaNodeDirectory,
  type MediaNodeLoad,
  mediaNodeKey,
  pickMediaNode,
  setDraining,
} from '../../apps/server/src/cluster/media-registry.ts';
import {
  closeRedis,
  connectRedis,
  waitUntilReady,
} from '../../apps/server/src/cluster/redis-client.ts';
import { type RedisServer, startRedis } from '../support/redis-server.ts';

type Redis = ReturnType<typeof connectRedis>;
type Logger = ReturnType<typeof createLogger>;

const cli = fileURLToPath(new URL('../../apps/server/src/cluster/cluster-cli.ts', import.meta.url));

let server: RedisServer;
/** Every client and announcer a test made, closed after it. */
const clients: Redis[] = [];
const announcers: MediaNodeAnnouncer[] = [];
let logLines: { level: number; msg: string; [field: string]: unknown }[];
let logText: string;
let log: Logger;

beforeAll(async () => {
  server = await startRedis();
});

afterAll(async () => {
  await server?.stop();
});

beforeEach(async () => {
  logLines = [];
  logText = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logText += chunk.toString('utf8');
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        logLines.push(JSON.parse(line));
      }
      done();
    },
  });
  log = createLogger('debug', sink);
  const admin = await client();
  await admin.flushall();
});

afterEach(async () => {
  await Promise.all(announcers.splice(0).map((announcer) => announcer.stop()));
  await Promise.all(clients.splice(0).map((redis) => closeRedis(redis)));
});

async function client(url = server.url): Promise<Redis> {
  const redis = connectRedis(url, log);
  clients.push(redis);
  await waitUntilReady(redis, 5000);
  return redis;
}

function load(participants: number, extra: Partial<MediaNodeLoad> = {}): MediaNodeLoad {
  return { workers: 2, rooms: 1, participants, consumers: participants * 3, cpu: 0.25, ...extra };
}

async function announce(
  nodeId: string,
  options: { redis?: Redis; participants?: number; capacity?: number; fast?: boolean } = {},
) {
  const current = { load: load(options.participants ?? 0) };
  const announcer = new MediaNodeAnnouncer({
    redis: options.redis ?? (await client()),
    log,
    nodeId,
    rpcUrl: `http://127.0.0.1:7100/${nodeId}`,
    capacity: options.capacity ?? 50,
    load: () => current.load,
    ...(options.fast === false ? {} : { intervalMs: 100, ttlMs: 400 }),
  });
  announcers.push(announcer);
  await announcer.start();
  return { announcer, current };
}

const ids = (nodes: readonly { nodeId: string }[]) => nodes.map((node) => node.nodeId);

function runCli(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { encoding: 'utf8', env: { ...process.env, SKJERM_REDIS_URL: server.url, ...env } },
      (error, stdout, stderr) => {
        const status = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ status, stdout, stderr });
      },
    );
  });
}

describe('media node registry in Redis', () => {
  it('lists an announced node with its capacity and load, and follows the load', async () => {
    const { current } = await announce('media-a', { participants: 7, capacity: 40 });
    const directory = new MediaNodeDirectory({ redis: await client(), log });
    expect(await directory.list()).toEqual([
      {
        nodeId: 'media-a',
        rpcUrl: 'http://127.0.0.1:7100/media-a',
        capacity: 40,
        load: load(7),
        draining: false,
      },
    ]);
    current.load = load(9, { cpu: 1.5 });
    await vi.waitFor(async () => {
      expect((await directory.list())[0]?.load).toEqual(load(9, { cpu: 1.5 }));
    });
  });

  it('drops a node whose heartbeat stopped once its record expires, and keeps the others', async () => {
    const lost = await client();
    await announce('media-lost', { redis: lost });
    await announce('media-alive');
    const directory = new MediaNodeDirectory({ redis: await client(), log });
    expect(ids(await directory.list())).toEqual(['media-alive', 'media-lost']);

    // The node's connection to Redis dies: it can neither refresh nor delete its record.
    lost.disconnect(false);
    const stoppedAt = Date.now();
    await vi.waitFor(async () => expect(ids(await directory.list())).toEqual(['media-alive']), {
      timeout: 3000,
      interval: 50,
    });
    // Gone through the TTL (400 ms), not earlier.
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(250);
    expect(logLines.some((line) => line.msg.startsWith('cannot announce this media node'))).toBe(
      true,
    );
  });

  it('deletes its record when stopped', async () => {
    const { announcer } = await announce('media-b', { fast: false });
    const directory = new MediaNodeDirectory({ redis: await client(), log });
    expect(ids(await directory.list())).toEqual(['media-b']);
    await announcer.stop();
    expect(await directory.list()).toEqual([]);
  });

  it('drains a node: listed as draining, never picked, and the node learns it; undrain reverses it', async () => {
    const { announcer } = await announce('media-quiet', { participants: 0 });
    await announce('media-busy', { participants: 30 });
    const admin = await client();
    const directory = new MediaNodeDirectory({ redis: admin, log });
    expect(pickMediaNode(await directory.list())?.nodeId).toBe('media-quiet');

    await setDraining(admin, 'media-quiet', true);
    const drained = await directory.list();
    expect(drained.find((node) => node.nodeId === 'media-quiet')?.draining).toBe(true);
    expect(pickMediaNode(drained)?.nodeId).toBe('media-busy');
    expect(pickMediaNode(drained, { prefer: ['media-quiet'] })?.nodeId).toBe('media-busy');
    await vi.waitFor(() => expect(announcer.draining).toBe(true));

    await setDraining(admin, 'media-quiet', false);
    expect(pickMediaNode(await directory.list())?.nodeId).toBe('media-quiet');
    await vi.waitFor(() => expect(announcer.draining).toBe(false));
  });

  it('keeps a drain flag while the node is away, so it comes back draining', async () => {
    const admin = await client();
    await setDraining(admin, 'media-c', true);
    const { announcer } = await announce('media-c');
    expect(announcer.draining).toBe(true);
    const directory = new MediaNodeDirectory({ redis: admin, log });
    expect((await directory.list())[0]).toMatchObject({ nodeId: 'media-c', draining: true });
  });

  it('skips malformed records and logs each one once', async () => {
    await announce('media-good');
    const admin = await client();
    const valid = JSON.parse((await admin.get(mediaNodeKey('media-good'))) ?? '{}');
    await admin.set(mediaNodeKey('media-json'), '{not json', 'PX', 60_000);
    await admin.set(
      mediaNodeKey('media-neg'),
      JSON.stringify({ ...valid, nodeId: 'media-neg', capacity: -1 }),
      'PX',
      60_000,
    );
    await admin.set(mediaNodeKey('media-other'), JSON.stringify(valid), 'PX', 60_000);
    await admin.set(
      mediaNodeKey('media-noload'),
      JSON.stringify({ ...valid, nodeId: 'media-noload', load: {} }),
      'PX',
      60_000,
    );
    const directory = new MediaNodeDirectory({ redis: admin, log });
    expect(ids(await directory.list())).toEqual(['media-good']);
    expect(ids(await directory.list())).toEqual(['media-good']);
    const warnings = logLines.filter((line) => line.msg.startsWith('skipping a malformed'));
    expect(warnings.map((line) => line.key).sort()).toEqual(
      ['media-json', 'media-neg', 'media-noload', 'media-other'].map(mediaNodeKey),
    );
  });

  it('while Redis is down: lists the last nodes read and the announcer keeps trying; an empty Redis back gets the node again within 2 s', async () => {
    const { announcer, current } = await announce('media-d', { participants: 3, fast: false });
    const directory = new MediaNodeDirectory({ redis: await client(), log });
    const before = await directory.list();
    expect(ids(before)).toEqual(['media-d']);

    await server.stop();
    const downAt = Date.now();
    while (Date.now() - downAt < 3000) {
      const started = Date.now();
      expect(await directory.list()).toEqual(before);
      // Fails fast: no waiting on a queue for a Redis that is not there.
      expect(Date.now() - started).toBeLessThan(300);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(announcer.draining).toBe(false);
    // Only a list read after the outage can show this load.
    current.load = load(5);

    await server.restart();
    const backAt = Date.now();
    await vi.waitFor(async () => expect((await directory.list())[0]?.load.participants).toBe(5), {
      timeout: 5000,
      interval: 50,
    });
    expect(Date.now() - backAt).toBeLessThan(2500);
    const messages = logLines.map((line) => line.msg);
    // Each transition logged once per client, not once per attempt or heartbeat.
    expect(messages.filter((msg) => msg === 'Redis connection lost; reconnecting')).toHaveLength(3);
    expect(messages.filter((msg) => msg === 'Redis connection restored').length).toBeGreaterThan(0);
    expect(messages.filter((msg) => msg.startsWith('cannot announce'))).toHaveLength(1);
    expect(messages.filter((msg) => msg === 'media node announced again')).toHaveLength(1);
    expect(
      messages.filter((msg) => msg.startsWith('cannot read the media node registry')),
    ).toHaveLength(1);
  });

  it('while Redis is frozen: answers with the last nodes read within about a second', async () => {
    await announce('media-e');
    const directory = new MediaNodeDirectory({ redis: await client(), log });
    const before = await directory.list();
    const paused = server.pause(2500);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    expect(await directory.list()).toEqual(before);
    expect(Date.now() - started).toBeLessThan(1800);
    await paused;
  });

  it('logs where Redis is, never the URL with its password', async () => {
    const redis = connectRedis('redis://:hunter2-secret@127.0.0.1:1/0', log);
    clients.push(redis);
    await expect(waitUntilReady(redis, 500)).rejects.toThrow('cannot reach Redis at 127.0.0.1:1');
    expect(logText).toContain('127.0.0.1:1');
    expect(logText).not.toContain('hunter2');
  });
});

describe('cluster CLI', () => {
  it('nodes prints a table of the live nodes', async () => {
    await announce('media-f', { participants: 12, capacity: 40 });
    const { status, stdout, stderr } = await runCli(['nodes']);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const [header, row, ...rest] = stdout.trimEnd().split('\n');
    expect(header?.split(/\s{2,}/)).toEqual([
      'NODE',
      'RPC URL',
      'PARTICIPANTS',
      'CONSUMERS',
      'CPU',
      'DRAINING',
    ]);
    expect(row?.split(/\s{2,}/)).toEqual([
      'media-f',
      'http://127.0.0.1:7100/media-f',
      '12/40',
      '36',
      '0.25',
      'no',
    ]);
    expect(rest).toEqual([]);
  });

  it('drain and undrain change the flag the node and placement read, and say what they did', async () => {
    const { announcer } = await announce('media-g', { participants: 4 });
    const directory = new MediaNodeDirectory({ redis: await client(), log });

    const drain = await runCli(['drain', 'media-g']);
    expect(drain.status).toBe(0);
    expect(drain.stdout).toContain('media-g is draining: no new consultations are placed there');
    expect(drain.stdout).toContain('4 participants still on media-g');
    expect((await directory.list())[0]?.draining).toBe(true);
    await vi.waitFor(() => expect(announcer.draining).toBe(true));
    expect((await runCli(['nodes'])).stdout).toMatch(/media-g .* yes\n$/);

    const undrain = await runCli(['undrain', 'media-g']);
    expect(undrain).toMatchObject({ status: 0, stdout: 'media-g takes new consultations again\n' });
    expect((await directory.list())[0]?.draining).toBe(false);
    expect((await runCli(['undrain', 'media-g'])).stdout).toContain('was not draining');
  });

  it('drain of a node that is not running keeps the flag for when it starts', async () => {
    const drain = await runCli(['drain', 'media-h']);
    expect(drain.status).toBe(0);
    expect(drain.stdout).toContain('media-h is not running now');
    const nodes = await runCli(['nodes']);
    expect(nodes.stdout).toBe(
      'no live media nodes\ndrained but not running (flag kept for when they start): media-h\n',
    );
  });

  it('exits 2 with the usage for a wrong command line', async () => {
    for (const args of [
      [],
      ['bogus'],
      ['drain'],
      ['drain', 'a', 'b'],
      ['drain', 'a:b'],
      ['nodes', '--x'],
    ]) {
      const { status, stdout, stderr } = await runCli(args);
      expect(status, args.join(' ')).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain('usage: npm run cluster -- <command>');
    }
    const badUrl = await runCli(['nodes'], { SKJERM_REDIS_URL: 'http://user:pw@127.0.0.1' });
    expect(badUrl.status).toBe(2);
    expect(badUrl.stderr).toContain('SKJERM_REDIS_URL');
    expect(badUrl.stderr).not.toContain('pw@');
  });

  it('exits 1 with a plain message when Redis cannot be reached', async () => {
    const { status, stdout, stderr } = await runCli(['nodes'], {
      SKJERM_REDIS_URL: 'redis://:hunter2@127.0.0.1:1',
    });
    expect(status).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^cannot reach Redis at 127\.0\.0\.1:1: .*ECONNREFUSED/);
    expect(stderr).not.toContain('hunter2');
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
