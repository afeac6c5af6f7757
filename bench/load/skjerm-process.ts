import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childPids, commandOf } from '../measure/process-usage.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The Skjerm server as operators run it (`node apps/server/src/main.ts`), in its own process so
 * the load generator's CPU is not the server's: one mediasoup worker, plain transports allowed
 * (the load generator speaks SRTP on them but has no ICE/DTLS stack), tokens from the given issuer, a
 * throwaway data folder, loopback only.
 */
export class SkjermProcess {
  readonly child: ChildProcess;
  /** https://127.0.0.1:<port> */
  readonly url: string;
  /** The server's self-signed certificate: clients verify TLS against it. */
  readonly certificate: string;
  readonly workerPid: number;
  readonly #dataDir: string;

  private constructor(
    child: ChildProcess,
    url: string,
    certificate: string,
    workerPid: number,
    dataDir: string,
  ) {
    this.child = child;
    this.url = url;
    this.certificate = certificate;
    this.workerPid = workerPid;
    this.#dataDir = dataDir;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /**
   * Starts a server of role `all` (one worker) or, with `SKJERM_ROLE=signaling` in `env`, a
   * signaling node, which runs no worker: its `workerPid` is then -1.
   */
  static async start(env: Record<string, string>): Promise<SkjermProcess> {
    const signalingOnly = env.SKJERM_ROLE === 'signaling';
    const launched = await launchServer(env, (entry) =>
      // The URL names the public host name; the load generator stays on 127.0.0.1.
      entry.msg === 'Skjerm is listening'
        ? `https://127.0.0.1:${new URL(String(entry.url)).port}`
        : undefined,
    );
    try {
      const workerPid = signalingOnly ? -1 : findWorkerPid(launched.child);
      const certificate = readFileSync(join(launched.dataDir, 'tls', 'localhost.crt'), 'utf8');
      return new SkjermProcess(
        launched.child,
        launched.address,
        certificate,
        workerPid,
        launched.dataDir,
      );
    } catch (error) {
      await stopProcess(launched.child, launched.dataDir);
      throw error;
    }
  }

  /** SIGTERM (graceful shutdown), SIGKILL after 5 s; then the data folder goes. */
  stop(): Promise<void> {
    return stopProcess(this.child, this.#dataDir);
  }
}

/**
 * A media node (`SKJERM_ROLE=media`) as operators run it: one mediasoup worker driven over RPC
 * by signaling nodes, registered in Redis. `env` carries the cluster settings.
 */
export class MediaNodeProcess {
  readonly child: ChildProcess;
  readonly nodeId: string;
  /** host:port of its RPC listener. */
  readonly rpc: string;
  readonly workerPid: number;
  readonly #dataDir: string;

  private constructor(
    child: ChildProcess,
    nodeId: string,
    rpc: string,
    workerPid: number,
    dataDir: string,
  ) {
    this.child = child;
    this.nodeId = nodeId;
    this.rpc = rpc;
    this.workerPid = workerPid;
    this.#dataDir = dataDir;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  static async start(nodeId: string, env: Record<string, string>): Promise<MediaNodeProcess> {
    const launched = await launchServer(
      { ...env, SKJERM_ROLE: 'media', SKJERM_NODE_ID: nodeId },
      (entry) => (entry.msg === 'media node is listening' ? String(entry.rpc) : undefined),
    );
    try {
      const workerPid = findWorkerPid(launched.child);
      return new MediaNodeProcess(
        launched.child,
        nodeId,
        launched.address,
        workerPid,
        launched.dataDir,
      );
    } catch (error) {
      await stopProcess(launched.child, launched.dataDir);
      throw error;
    }
  }

  stop(): Promise<void> {
    return stopProcess(this.child, this.#dataDir);
  }
}

/**
 * `node apps/server/src/main.ts` with the bench's loopback settings and a throwaway data folder;
 * resolves once a log line makes `ready` return the address it announces.
 */
async function launchServer(
  env: Record<string, string>,
  ready: (entry: Record<string, unknown>) => string | undefined,
): Promise<{ child: ChildProcess; address: string; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'skjerm-bench-'));
  // The worker's WebRTC listener (unused here) must not collide with another server's.
  const mediaPort = await freeTcpAndUdpPort();
  const child = spawn(process.execPath, ['apps/server/src/main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      SKJERM_HOST: '127.0.0.1',
      SKJERM_PORT: '0',
      SKJERM_DATA_DIR: dataDir,
      SKJERM_MEDIA_WORKERS: '1',
      SKJERM_MEDIA_LISTEN_IP: '127.0.0.1',
      SKJERM_MEDIA_PORT: String(mediaPort),
      SKJERM_PLAIN_RTP: 'true',
      SKJERM_LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const started = new Promise<string>((resolve, reject) => {
    let pending = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const entry = parseLogLine(line);
        const address = entry && ready(entry);
        if (address) resolve(address);
      }
    });
    child.once('exit', (code) =>
      reject(new Error(`the server exited (${code}) before listening:\n${stderr}`)),
    );
  });
  try {
    return { child, address: await withTimeout(started, 30_000, 'server start'), dataDir };
  } catch (error) {
    await stopProcess(child, dataDir);
    throw error;
  }
}

/** The log redacts every `pid` field (identity numbers): find the worker among the children. */
function findWorkerPid(child: ChildProcess): number {
  const workerPid = childPids(child.pid ?? -1).find((pid) =>
    commandOf(pid).startsWith('mediasoup'),
  );
  if (workerPid === undefined) throw new Error('the server runs no mediasoup worker');
  return workerPid;
}

/** SIGTERM (graceful shutdown), SIGKILL after 5 s; then the data folder goes. */
async function stopProcess(child: ChildProcess, dataDir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(dataDir, { recursive: true, force: true });
}

/** A loopback port free for both UDP and TCP right now. */
async function freeTcpAndUdpPort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const udp = createSocket('udp4');
    udp.bind(0, '127.0.0.1');
    await once(udp, 'listening');
    const port = udp.address().port;
    const tcp = createServer();
    const free = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen(port, '127.0.0.1', () => resolve(true));
    });
    udp.close();
    if (free) {
      await new Promise((resolve) => tcp.close(resolve));
      return port;
    }
  }
  throw new Error('no free media port on 127.0.0.1');
}

function parseLogLine(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
