import { parseArgs } from 'node:util';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import {
  drainingNodeIds,
  type MediaNodeInfo,
  readMediaNodes,
  setDraining,
} from './media-registry.ts';
import { closeRedis, connectRedis, RedisUnavailableError, waitUntilReady } from './redis-client.ts';

const defaultRedisUrl = 'redis://127.0.0.1:6379';
/** How long the CLI waits for Redis before saying it cannot reach it. */
const connectWaitMs = 3000;

const usage = `usage: npm run cluster -- <command>
   or: pnpm --filter @skjerm/server run cluster <command>

commands:
  nodes             list the live media nodes with their load
  drain NODE_ID     place no new consultations on NODE_ID; those on it finish there
                    (the flag stays until undrain, across restarts of the node)
  drain NODE_ID --move
                    as drain, and move the consultations on it to other nodes now
                    (their clients start their media over there within seconds)
  undrain NODE_ID   let NODE_ID take new consultations again

Redis is $SKJERM_REDIS_URL (default ${defaultRedisUrl}).`;

/** Where the CLI writes, and the environment it reads: the process's, or a test's. */
export interface CliContext {
  out: (text: string) => void;
  err: (text: string) => void;
  env: Record<string, string | undefined>;
}

type Command =
  | { name: 'nodes' }
  | { name: 'drain'; nodeId: string; move: boolean }
  | { name: 'undrain'; nodeId: string };

class UsageError extends Error {}

/**
 * The cluster CLI. Returns the exit code: 0 done, 1 Redis cannot be reached or refused the
 * command, 2 the command line (or SKJERM_REDIS_URL) is wrong.
 */
export async function runClusterCli(argv: readonly string[], context: CliContext): Promise<number> {
  let command: Command;
  let redis: Redis;
  try {
    command = parseCommand(argv);
    // The CLI reports failures itself; the client's own connection logs would only repeat them.
    redis = connectRedis(
      context.env.SKJERM_REDIS_URL || defaultRedisUrl,
      pino({ level: 'silent' }),
    );
  } catch (error) {
    // connectRedis throws a TypeError for a URL that is not redis:// or rediss://.
    if (error instanceof UsageError) context.err(`${error.message}\n\n${usage}`);
    else if (error instanceof TypeError) context.err(`SKJERM_REDIS_URL: ${error.message}`);
    else throw error;
    return 2;
  }
  try {
    await waitUntilReady(redis, connectWaitMs);
    if (command.name === 'nodes') return await listNodes(redis, context);
    const move = command.name === 'drain' && command.move;
    return await changeDrain(redis, command.nodeId, command.name === 'drain', move, context);
  } catch (error) {
    if (error instanceof RedisUnavailableError) {
      context.err(`${error.message} (set SKJERM_REDIS_URL)`);
    } else {
      // Redis refused (NOAUTH, a read-only replica) or went away mid-command.
      context.err(`Redis failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    return 1;
  } finally {
    await closeRedis(redis);
  }
}

function parseCommand(argv: readonly string[]): Command {
  let positionals: string[];
  let move = false;
  try {
    const parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { move: { type: 'boolean', default: false } },
    });
    positionals = parsed.positionals;
    move = parsed.values.move === true;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const [name, nodeId, ...rest] = positionals;
  if (move && name !== 'drain') throw new UsageError('--move goes with drain only');
  if (name === 'nodes') {
    if (nodeId !== undefined) throw new UsageError('nodes takes no arguments');
    return { name };
  }
  if (name === 'drain' || name === 'undrain') {
    if (nodeId === undefined || rest.length > 0) throw new UsageError(`${name} takes one NODE_ID`);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(nodeId)) {
      throw new UsageError(`${JSON.stringify(nodeId)} is not a media node id`);
    }
    return name === 'drain' ? { name, nodeId, move } : { name, nodeId };
  }
  throw new UsageError(name === undefined ? 'name a command' : `unknown command ${name}`);
}

async function readNodes(redis: Redis, context: CliContext): Promise<MediaNodeInfo[]> {
  return readMediaNodes(redis, ({ key, problem }) =>
    context.err(`warning: skipped the malformed record ${key} (${problem})`),
  );
}

async function listNodes(redis: Redis, context: CliContext): Promise<number> {
  const nodes = await readNodes(redis, context);
  const live = new Set(nodes.map((node) => node.nodeId));
  const idle = (await drainingNodeIds(redis)).filter((id) => !live.has(id));
  if (nodes.length === 0) {
    context.out('no live media nodes');
  } else {
    context.out(
      table([
        ['NODE', 'RPC URL', 'PARTICIPANTS', 'CONSUMERS', 'CPU', 'DRAINING'],
        ...nodes.map((node) => [
          node.nodeId,
          node.rpcUrl,
          `${node.load.participants}/${node.capacity}`,
          String(node.load.consumers),
          node.load.cpu.toFixed(2),
          node.draining ? 'yes' : 'no',
        ]),
      ]),
    );
  }
  // A drain flag has no TTL: without this line, one left behind would surprise the next start.
  if (idle.length > 0) {
    context.out(`drained but not running (flag kept for when they start): ${idle.join(', ')}`);
  }
  return 0;
}

async function changeDrain(
  redis: Redis,
  nodeId: string,
  draining: boolean,
  move: boolean,
  context: CliContext,
): Promise<number> {
  const wasDraining = (await drainingNodeIds(redis)).includes(nodeId);
  await setDraining(redis, nodeId, draining, move);
  const node = (await readNodes(redis, context)).find((candidate) => candidate.nodeId === nodeId);
  if (!draining) {
    context.out(
      wasDraining
        ? `${nodeId} takes new consultations again`
        : `${nodeId} was not draining; nothing changed`,
    );
    if (!node) context.out(`(${nodeId} is not running now)`);
    return 0;
  }
  if (move) {
    context.out(
      `${nodeId} is draining: no new consultations are placed there, and those on it move to other nodes within seconds (their clients start their media over)`,
    );
    if (node) context.out(`${plural(node.load.participants, 'participant')} on ${nodeId} now`);
    else context.out(`${nodeId} is not running now; the flag applies when it starts`);
    return 0;
  }
  context.out(
    wasDraining
      ? `${nodeId} was already draining: no new consultations are placed there`
      : `${nodeId} is draining: no new consultations are placed there; those on it finish there`,
  );
  context.out(
    node
      ? `${plural(node.load.participants, 'participant')} still on ${nodeId} ` +
          `(in ${plural(node.load.rooms, 'consultation')}); it is empty at 0`
      : `${nodeId} is not running now; the flag applies when it starts (undrain to clear it)`,
  );
  return 0;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function table(rows: readonly string[][]): string {
  const widths = rows[0]?.map((_, column) =>
    Math.max(...rows.map((row) => row[column]?.length ?? 0)),
  );
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths?.[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

if (import.meta.main) {
  process.exitCode = await runClusterCli(process.argv.slice(2), {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    env: process.env,
  });
}
