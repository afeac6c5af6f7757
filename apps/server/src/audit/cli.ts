import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { databaseFile, SkjermDatabase } from '../storage/database.ts';
import { StorageError } from '../storage/storage-errors.ts';

const usage = `usage: pnpm --filter @skjerm/server run audit <command> [--db PATH]

commands:
  verify [--anchor SEQ:HASH]    check the audit log's hash chain; with --anchor, also that
                                entry SEQ still has HASH (catches entries cut off the end)
  export --consultation ID      print a consultation's audit entries as JSON, for the
                                patient record

The database is $SKJERM_DATA_DIR/skjerm.db (SKJERM_DATA_DIR defaults to .data). A relative
path is taken from the folder pnpm was started in ($INIT_CWD), else the current folder.`;

/** Where the CLI writes, and the environment it reads: the process's, or a test's. */
export interface CliContext {
  out: (text: string) => void;
  err: (text: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
}

class UsageError extends Error {}

/**
 * The audit CLI: `verify` and `export`. Returns the exit code: 0 done, 1 the chain is broken
 * or the thing asked for is not there, 2 the command line is wrong.
 */
export function runAuditCli(argv: readonly string[], context: CliContext): number {
  let command: ReturnType<typeof parseCommand>;
  try {
    command = parseCommand(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    context.err(`${error.message}\n\n${usage}`);
    return 2;
  }
  // pnpm --filter runs scripts in apps/server; INIT_CWD is where the operator typed the command.
  const base = context.env.INIT_CWD || context.cwd;
  const file = command.db
    ? resolve(base, command.db)
    : databaseFile(resolve(base, context.env.SKJERM_DATA_DIR || '.data'));
  if (!existsSync(file)) {
    context.err(`no Skjerm database at ${file} (set SKJERM_DATA_DIR or pass --db PATH)`);
    return 1;
  }
  let database: SkjermDatabase;
  try {
    database = SkjermDatabase.open(file);
  } catch (error) {
    if (!(error instanceof StorageError)) throw error;
    context.err(`cannot open ${file}: ${error.message}`);
    return 1;
  }
  try {
    return command.name === 'verify'
      ? verify(database, command.anchor, context)
      : exportConsultation(database, command.consultation, context);
  } finally {
    database.close();
  }
}

type Command =
  | { name: 'verify'; db: string | undefined; anchor: { seq: number; hash: string } | undefined }
  | { name: 'export'; db: string | undefined; consultation: string };

function parseCommand(argv: readonly string[]): Command {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError('name one command: verify or export');
  const db = values.db;
  if (positionals[0] === 'verify') {
    if (values.consultation !== undefined) throw new UsageError('verify takes no --consultation');
    return { name: 'verify', db, anchor: values.anchor ? parseAnchor(values.anchor) : undefined };
  }
  if (positionals[0] === 'export') {
    if (!values.consultation) throw new UsageError('export needs --consultation ID');
    if (values.anchor !== undefined) throw new UsageError('export takes no --anchor');
    return { name: 'export', db, consultation: values.consultation };
  }
  throw new UsageError(`unknown command ${positionals[0]}`);
}

function parseOptions(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      db: { type: 'string' },
      consultation: { type: 'string' },
      anchor: { type: 'string' },
    },
  });
}

function parseAnchor(value: string): { seq: number; hash: string } {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(value);
  if (!match?.[1] || !match[2]) throw new UsageError('--anchor must be SEQ:HASH (hash in hex)');
  return { seq: Number(match[1]), hash: match[2] };
}

function verify(
  database: SkjermDatabase,
  anchor: { seq: number; hash: string } | undefined,
  context: CliContext,
): number {
  const result = database.audit.verify();
  if (!result.ok) {
    context.out(`audit chain broken at entry ${result.seq}: ${result.problem}`);
    return 1;
  }
  if (anchor) {
    const entry = database.audit.entry(anchor.seq);
    if (!entry) {
      context.out(
        `audit chain broken at entry ${anchor.seq}: it is gone (entries were cut off the end)`,
      );
      return 1;
    }
    if (entry.hash !== anchor.hash) {
      context.out(
        `audit chain broken at entry ${anchor.seq}: its hash differs from the anchor (the log was rewritten)`,
      );
      return 1;
    }
  }
  context.out(
    `audit chain intact: ${result.records} ${result.records === 1 ? 'entry' : 'entries'}`,
  );
  const head = database.audit.head();
  // Noted somewhere the server cannot write, this lets a later `verify --anchor` catch
  // entries removed from the end, which the chain alone cannot.
  if (head) context.out(`newest entry, to keep as an anchor: ${head.seq}:${head.hash}`);
  return 0;
}

function exportConsultation(
  database: SkjermDatabase,
  consultationId: string,
  context: CliContext,
): number {
  const entries = database.audit.export(consultationId);
  if (entries.length === 0 && !database.consultations.get(consultationId)) {
    context.err(`no consultation ${consultationId} and no audit entries about it`);
    return 1;
  }
  const chain = database.audit.verify();
  if (!chain.ok) {
    context.err(
      `warning: audit chain broken at entry ${chain.seq}: ${chain.problem}; ` +
        'these entries may have been tampered with',
    );
  }
  context.out(JSON.stringify(entries, null, 2));
  return 0;
}

if (import.meta.main) {
  process.exitCode = runAuditCli(process.argv.slice(2), {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    env: process.env,
    cwd: process.cwd(),
  });
}
