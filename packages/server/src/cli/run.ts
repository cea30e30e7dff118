import { readFileSync } from 'node:fs';
import { formatDetail, isTruceError, TruceError } from '@truce/core';
import { auditCommand, auditHelp } from './audit.js';
import { check, checkHelp } from './check.js';
import { db, dbHelp } from './db.js';
import { exchangesCommand, exchangesHelp } from './exchanges.js';
import { exportCommand, exportHelp } from './export.js';
import { exportHxlCommand, exportHxlHelp } from './export-hxl.js';
import { importCommand, importHelp } from './import.js';
import type { CliIo } from './io.js';
import { keys, keysHelp } from './keys.js';
import { ledgerCommand, ledgerHelp } from './ledger.js';
import { lint, lintHelp } from './lint.js';
import { noticeCommand, noticeHelp } from './notice.js';
import { personsCommand, personsHelp } from './persons.js';
import { schema, schemaHelp } from './schema.js';
import { serve, serveHelp } from './serve.js';
import { sitrep, sitrepHelp } from './sitrep.js';
import { start, startHelp } from './start.js';
import { usersCommand, usersHelp } from './users.js';
import { verify, verifyHelp } from './verify.js';
import { witness, witnessHelp } from './witness.js';

export const mainHelp = `Usage: truce COMMAND [options]

truce checks a ceasefire agreement written as code against the events reported about it.

Commands:
  check AGREEMENT EVENTS   status, progress and why of every obligation
  sitrep --date DAY …      the daily situation report (HTML or PDF; en, ar, he)
  lint AGREEMENT           validate an agreement file
  notice list|send|ack     notices between the parties: their state, or a new event line
  schema [agreement|event] print the JSON Schema of a format
  keys generate --org ID   make an organisation's signing key
  ledger init|import|cosign|cosigners
                           start the signed ledger, import events, store cosignatures
  export --out DIR         write the ledger for offline verification
  import hxl FILE.csv      import aid figures from an HXL CSV file (whole or not at all)
  export hxl [--from DAY]  write the aid events as HXL CSV
  verify DIR               check an export: signatures, tree, checkpoints, cosignatures
  witness --checkpoint …   check a checkpoint's consistency and cosign it
  serve [--port N]         start the HTTP API
  start [--reset]          the demo cell: sample agreement, scenario, dashboard (npm start)
  users create …           create a user (the first mediator, for one)
  db migrate|grant         apply migrations; least privilege for the server's PostgreSQL role
  audit verify FILE        check the hash chain of an audit log export
  exchanges register|sheet|list|step
                           the register of persons, the handover sheet of a day (CSV);
                           record a names list or a handover step
  persons history|rotate-key|reencrypt
                           a person's history (with a reason, audited); rotate the key of
                           the encrypted person data, or re-encrypt it
  help [COMMAND]           show help for truce or for one command

Options:
  -h, --help       show this help
  --version        print the version

Run \`truce help COMMAND\` or \`truce COMMAND --help\` for a command's options.
Set TRUCE_DEBUG=1 to see stack traces of unexpected errors.
`;

type Command = (argv: string[], io: CliIo) => Promise<number>;

const commands: Record<string, { run: Command; help: string }> = {
  check: { run: check, help: checkHelp },
  sitrep: { run: sitrep, help: sitrepHelp },
  lint: { run: lint, help: lintHelp },
  notice: { run: noticeCommand, help: noticeHelp },
  schema: { run: schema, help: schemaHelp },
  keys: { run: keys, help: keysHelp },
  db: { run: db, help: dbHelp },
  ledger: { run: ledgerCommand, help: ledgerHelp },
  export: {
    // `export hxl` writes HXL CSV; `export --out DIR` the ledger.
    run: (argv, io) =>
      argv[0] === 'hxl' ? exportHxlCommand(argv.slice(1), io) : exportCommand(argv, io),
    help: `${exportHelp}\n${exportHxlHelp}`,
  },
  import: { run: importCommand, help: importHelp },
  verify: { run: verify, help: verifyHelp },
  witness: { run: witness, help: witnessHelp },
  serve: { run: serve, help: serveHelp },
  start: { run: start, help: startHelp },
  users: { run: usersCommand, help: usersHelp },
  audit: { run: auditCommand, help: auditHelp },
  persons: { run: personsCommand, help: personsHelp },
  exchanges: { run: exchangesCommand, help: exchangesHelp },
};

/** Exit statuses: scripts and CI branch on these, so they are part of the interface. */
export const exitCodes = { ok: 0, unexpected: 1, invalid: 2 } as const;

/**
 * Runs one `truce` invocation and returns its exit status; never throws. Tests call it with a
 * `memoryIo()`; `main.ts` calls it with the process.
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await dispatch([...argv], io);
  } catch (error) {
    return report(error, io);
  }
}

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.stderr.write(mainHelp);
    return exitCodes.invalid;
  }
  if (first === '--help' || first === '-h') {
    io.stdout.write(mainHelp);
    return exitCodes.ok;
  }
  if (first === '--version' || first === '-V') {
    io.stdout.write(`truce ${version()}\n`);
    return exitCodes.ok;
  }
  if (first === 'help') {
    const topic = rest[0];
    if (topic === undefined) {
      io.stdout.write(mainHelp);
      return exitCodes.ok;
    }
    io.stdout.write(lookup(topic).help);
    return exitCodes.ok;
  }
  return lookup(first).run(rest, io);
}

function lookup(name: string): { run: Command; help: string } {
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (command) return command;
  const what = name.startsWith('-') ? 'option' : 'command';
  throw new TruceError(
    'USAGE',
    `unknown ${what} "${name}"; the commands are ${Object.keys(commands).join(', ')}; see \`truce --help\``,
  );
}

/**
 * A `TruceError` is the user's to fix: its message and every located detail, exit 2, no stack.
 * Anything else is our bug: a short message, exit 1, and the stack only with TRUCE_DEBUG=1.
 */
function report(error: unknown, io: CliIo): number {
  if (isTruceError(error) && error.code !== 'INTERNAL') {
    io.stderr.write(`truce: ${error.message} (${error.code})\n`);
    for (const detail of error.details) io.stderr.write(`${formatDetail(detail)}\n`);
    return exitCodes.invalid;
  }
  const refused = fileRefusal(error);
  if (refused !== undefined) {
    io.stderr.write(`truce: ${refused}\n`);
    if (io.env.TRUCE_DEBUG === '1') io.stderr.write(`${(error as Error).stack}\n`);
    return exitCodes.invalid;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`truce: unexpected error: ${message}\n`);
  if (io.env.TRUCE_DEBUG === '1') {
    io.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  } else {
    io.stderr.write('This is a bug in truce. Run again with TRUCE_DEBUG=1 for details.\n');
  }
  return exitCodes.unexpected;
}

/** What the file system answers about a path the user named, said as the user's to fix. */
const fileReasons: Record<string, string> = {
  EEXIST: 'a file is already there where a folder is needed',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder, not a file',
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied to this user',
  EPERM: 'the operation is not permitted to this user',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
  ENAMETOOLONG: 'the name is too long',
};

/**
 * A file-system error on a path (the `--out`, `--data` or file a command was given): said with
 * the path and what to do, exit 2, like any refusal, instead of as a bug of truce.
 */
function fileRefusal(error: unknown): string | undefined {
  const { code, path, syscall } = (error ?? {}) as {
    code?: unknown;
    path?: unknown;
    syscall?: unknown;
  };
  if (typeof code !== 'string' || typeof path !== 'string' || typeof syscall !== 'string') {
    return undefined;
  }
  const reason = fileReasons[code];
  if (reason === undefined) return undefined;
  return `cannot ${syscall} ${path}: ${reason} (${code}); check the paths given to this command`;
}

/** The version of @truce/server; the same file is one level up from src/cli and dist/cli. */
export function version(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}
