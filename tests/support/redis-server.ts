/**
 * Runs Debian's redis-server on 127.0.0.1 for tests: no configuration file, no persistence
 * (`--save ''`, no append-only file), its working folder a temporary one, so a restart comes
 * back empty the way a Redis without persistence does after a crash.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisServer {
  /** redis://127.0.0.1:<port>, for SKJERM_REDIS_URL. */
  readonly url: string;
  readonly port: number;
  /** What redis-server logged so far (for failure messages). */
  log(): string;
  /** Stops it (SIGTERM), waits for it to exit and removes its folder. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty, and waits until it answers. */
  restart(): Promise<void>;
  /** Freezes it (SIGSTOP) for `ms`: connections stay open but nothing is answered. */
  pause(ms: number): Promise<void>;
}

/** The redis-server binary from Debian's package, or an error saying how to get it. */
export function requireRedisServer(): string {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      "redis-server (Debian's redis-server package) is not installed: run the tests with `npm test`, whose bootstrap installs it, or apt-get install redis-server",
    );
  }
  return 'redis-server';
}

/** A port nothing listens on now; redis-server binds it with SO_REUSEADDR on restart. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** True when something on `port` answers PING with PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('utf8');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.once('connect', () => socket.write('PING\r\n'));
  });
}

/** Starts redis-server on a free loopback port and waits until it answers PING. */
export async function startRedis(): Promise<RedisServer> {
  const binary = requireRedisServer();
  const dir = mkdtempSync(join(tmpdir(), 'skjerm-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = '';

  const kill = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGCONT');
      child.kill('SIGTERM');
    }
    await exited;
  };

  const launch = async () => {
    // stop() removed it; redis-server refuses a --dir that does not exist.
    mkdirSync(dir, { recursive: true });
    const server = spawn(
      binary,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--protected-mode',
        'yes',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--daemonize',
        'no',
      ],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = server;
    exited = new Promise((resolve) => server.once('exit', () => resolve()));
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8');
    };
    server.stdout?.on('data', collect);
    server.stderr?.on('data', collect);
    const deadline = Date.now() + 10_000;
    while (!(await ping(port))) {
      if (server.exitCode !== null || Date.now() > deadline) {
        await kill();
        throw new Error(`redis-server did not start on 127.0.0.1:${port}:\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };

  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    log: () => output,
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
    restart: async () => {
      await kill();
      await launch();
    },
    pause: async (ms) => {
      child?.kill('SIGSTOP');
      await new Promise((resolve) => setTimeout(resolve, ms));
      child?.kill('SIGCONT');
    },
  };
}
