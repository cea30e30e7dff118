import { parentPort } from 'node:worker_threads';
import type { PGlite, PGliteOptions, Transaction } from '@electric-sql/pglite';
import type { DurableNodeFS } from './durable-node-fs.js';
import { type PgliteDurability, startPglite } from './pglite-start.js';

/**
 * The embedded database's own thread (a worker thread of the server's process): PGlite runs
 * here, so that its work — the WebAssembly Postgres and the flushes at each commit — does not
 * take the main thread from the checks, signatures and HTTP around it. `pglite-store.ts` talks
 * to it through `PgliteThreadDriver`; this file only forwards calls to PGlite, in the order they
 * arrive (PGlite orders them itself, as on the main thread).
 */

/** PGlite's type for its compiled module (this package's TypeScript has no DOM library). */
export type WasmModule = NonNullable<PGliteOptions['pgliteWasmModule']>;

export type ThreadRequest =
  | {
      id: number;
      op: 'open';
      pgdata: string;
      durability: PgliteDurability;
      /** PGlite's compiled WebAssembly, shared by every database thread of the process. */
      wasmModule?: WasmModule;
      /** PGlite's file-system bundle, read once by the process. */
      fsBundle?: Blob;
    }
  | { id: number; op: 'query'; tx?: number; text: string; params: unknown[] }
  | { id: number; op: 'exec'; tx?: number; sql: string }
  | { id: number; op: 'begin' }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'close' };

export type ThreadReply =
  | { id: number; ok: true; value: unknown; flushes: number }
  | { id: number; ok: false; error: SerialisedError; flushes: number };

/** An error's message, name and own fields (PGlite's `code`, `detail`…), to cross threads. */
export type SerialisedError = { message: string; name: string } & Record<string, unknown>;

export function serialiseError(error: unknown): SerialisedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (['string', 'number', 'boolean'].includes(typeof value)) fields[key] = value;
  }
  return { ...fields, name: error.name, message: error.message };
}

/** Ends a transaction without committing (PGlite rolls back when its callback throws). */
class Rollback extends Error {}

function serve(port: NonNullable<typeof parentPort>): void {
  let pg: PGlite | undefined;
  let fs: DurableNodeFS | undefined;
  let nextTx = 1;
  const open = new Map<number, { tx: Transaction; end: (commit: boolean) => void }>();
  const settled = new Map<number, Promise<void>>();

  const database = (): PGlite => {
    if (!pg) throw new Error('the embedded database is not open');
    return pg;
  };
  const executor = (tx: number | undefined) => {
    if (tx === undefined) return database();
    const found = open.get(tx);
    if (!found) throw new Error(`no open transaction ${tx}`);
    return found.tx;
  };

  async function handle(request: ThreadRequest): Promise<unknown> {
    switch (request.op) {
      case 'open': {
        ({ pg, fs } = await startPglite(request.pgdata, request.durability, {
          ...(request.wasmModule ? { pgliteWasmModule: request.wasmModule } : {}),
          ...(request.fsBundle ? { fsBundle: request.fsBundle } : {}),
        }));
        return null;
      }
      case 'query':
        return (await executor(request.tx).query(request.text, request.params)).rows;
      case 'exec':
        await executor(request.tx).exec(request.sql);
        return null;
      case 'begin': {
        const id = nextTx++;
        // Resolves once the transaction has started (PGlite runs one at a time).
        return new Promise<number>((started, failed) => {
          const done = database()
            .transaction(async (tx) => {
              const commit = await new Promise<boolean>((end) => {
                open.set(id, { tx, end });
                started(id);
              });
              if (!commit) throw new Rollback();
            })
            .then(
              () => undefined,
              (error: unknown) => {
                if (!(error instanceof Rollback)) throw error;
              },
            )
            .finally(() => open.delete(id));
          settled.set(id, done);
          done.catch(failed);
        });
      }
      case 'end': {
        const found = open.get(request.tx);
        const done = settled.get(request.tx);
        settled.delete(request.tx);
        if (!found || !done) throw new Error(`no open transaction ${request.tx}`);
        found.end(request.commit);
        // Resolves after COMMIT returned, i.e. after its flush (or after the rollback).
        await done;
        return null;
      }
      case 'close': {
        await pg?.close();
        pg = undefined;
        return null;
      }
    }
  }

  port.on('message', (request: ThreadRequest) => {
    handle(request).then(
      (value) => port.postMessage({ id: request.id, ok: true, value, flushes: fs?.flushes ?? 0 }),
      (error: unknown) =>
        port.postMessage({
          id: request.id,
          ok: false,
          error: serialiseError(error),
          flushes: fs?.flushes ?? 0,
        }),
    );
  });
}

if (parentPort) serve(parentPort);
