/**
 * Runs Debian's coturn (`turnserver`) on 127.0.0.1 for tests, configured from the production
 * file infra/coturn/turnserver.conf: its authentication, hardening and peer rules are kept, and
 * only what names this machine (addresses, ports, TLS files, user, logs) is replaced. Relaying
 * to 127.0.0.1 (where the test's Skjerm media node listens) is allowed the way a production
 * site allows its media nodes: allowed-peer-ip, plus allow-loopback-peers, which coturn needs
 * for loopback on top.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TurnClient } from './turn-client.ts';

const productionConfig = new URL('../../infra/coturn/turnserver.conf', import.meta.url);

/** Settings of the production file that describe its host; the test gives its own. */
const hostSpecific = new Set([
  'listening-ip',
  'relay-ip',
  'external-ip',
  'listening-port',
  'tls-listening-port',
  'alt-listening-port',
  'alt-tls-listening-port',
  'min-port',
  'max-port',
  'cert',
  'pkey',
  'static-auth-secret',
  'allowed-peer-ip',
  'proc-user',
  'proc-group',
  'syslog',
  'log-file',
  'pidfile',
  'userdb',
]);

export interface Coturn {
  /** Where it listens for TURN over UDP (and TCP): 127.0.0.1. */
  readonly address: string;
  readonly port: number;
  readonly realm: string;
  /** The turn: URL for SKJERM_TURN_URLS. */
  readonly url: string;
  /** What coturn logged so far (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

/** The turnserver binary from Debian's coturn package, or an error saying how to get it. */
export function requireTurnServer(): string {
  try {
    execFileSync('turnserver', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      "turnserver (Debian's coturn package) is not installed: run the tests with `npm test`, whose bootstrap installs it, or apt-get install coturn",
    );
  }
  return 'turnserver';
}

/**
 * Ports above the kernel's ephemeral range (32768-60999 on Linux), spread by process id so
 * that parallel test files do not collide: a listening port and a relay range after it.
 */
function portsFor(slot: number): { listening: number; minRelay: number; maxRelay: number } {
  const base = 61000 + ((process.pid * 7 + slot * 61) % 80) * 50;
  return { listening: base, minRelay: base + 2, maxRelay: base + 49 };
}

function testConfig(secrets: readonly string[], ports: ReturnType<typeof portsFor>): string {
  const kept = readFileSync(productionConfig, 'utf8')
    .split('\n')
    .filter((line) => {
      const name = line.trim().split('=')[0]?.trim() ?? '';
      return !line.trim().startsWith('#') && line.trim() !== '' && !hostSpecific.has(name);
    });
  return [
    '# infra/coturn/turnserver.conf without its host-specific lines, then:',
    ...kept,
    'listening-ip=127.0.0.1',
    'relay-ip=127.0.0.1',
    `listening-port=${ports.listening}`,
    `min-port=${ports.minRelay}`,
    `max-port=${ports.maxRelay}`,
    // Several lines: coturn accepts a credential under any of them (secret rotation).
    ...secrets.map((secret) => `static-auth-secret=${secret}`),
    'no-tls',
    // Tests only: Skjerm's media node is on 127.0.0.1 here.
    'allow-loopback-peers',
    'allowed-peer-ip=127.0.0.1',
    'log-file=stdout',
    'no-stdout-log',
  ].join('\n');
}

/**
 * Starts coturn with `secrets` as its static-auth-secret(s) and waits until it answers STUN.
 * `slot` separates the ports of several coturns in one process.
 */
export async function startCoturn(secrets: string | readonly string[], slot = 0): Promise<Coturn> {
  const binary = requireTurnServer();
  const dir = mkdtempSync(join(tmpdir(), 'skjerm-coturn-'));
  const ports = portsFor(slot);
  const configFile = join(dir, 'turnserver.conf');
  writeFileSync(configFile, testConfig(typeof secrets === 'string' ? [secrets] : secrets, ports), {
    mode: 0o600,
  });
  const child: ChildProcess = spawn(
    binary,
    ['-c', configFile, '--userdb', join(dir, 'turndb'), '--pidfile', join(dir, 'pid')],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const realm = /^realm=(.+)$/m.exec(readFileSync(configFile, 'utf8'))?.[1] ?? '';
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const probe = await TurnClient.open({ address: '127.0.0.1', port: ports.listening });
  try {
    const deadline = Date.now() + 10_000;
    while (!(await probe.ping())) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw new Error(`coturn did not start:\n${output}`);
      }
    }
  } finally {
    await probe.close();
  }
  return {
    address: '127.0.0.1',
    port: ports.listening,
    realm,
    url: `turn:127.0.0.1:${ports.listening}?transport=udp`,
    log: () => output,
    stop,
  };
}
