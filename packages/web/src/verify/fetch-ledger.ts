/**
 * Fetches what `verifyLedger` needs from a truce server, in the order that makes the two
 * responses match: the export first (`GET /api/v1/export`, cut at the latest checkpoint, whose
 * size it names in `x-truce-checkpoint-size`), then the checkpoint of exactly that size
 * (`GET /api/v1/checkpoints/{size}`). Fetching `/latest` first races with the checkpointer: a
 * checkpoint signed between the two requests would not match the export.
 *
 * The server only transports the data: nothing it says is trusted, everything is verified
 * against the pinned log key. The server's list of cosigners is not verifiable (it does not
 * serve the cosignature lines) and is not returned.
 */

interface FetchResponse {
  ok: boolean;
  status: number;
  headers: { get(name: string): string | null };
  arrayBuffer(): Promise<ArrayBuffer>;
  json(): Promise<unknown>;
}

export type FetchLike = (
  url: string,
  init?: {
    headers?: Record<string, string>;
    credentials?: 'omit' | 'same-origin' | 'include';
    signal?: AbortSignal;
  },
) => Promise<FetchResponse>;

export interface FetchLedgerOptions {
  /** The server's base URL, e.g. `https://cell.example`; default: this page's origin (''). */
  baseUrl?: string;
  /** Default: `globalThis.fetch`. */
  fetch?: FetchLike;
  /** Extra request headers (an API token, say). */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface FetchedLedger {
  /** The signed checkpoint note of the export's size. */
  checkpoint: string;
  /** The exact bytes of entries.jsonl. */
  entries: Uint8Array;
  /** The `x-truce-checkpoint-size` header. */
  exportSize: number;
}

/** Thrown when the server cannot be reached or refuses: not a verdict on the ledger. */
export class FetchLedgerError extends Error {
  override name = 'FetchLedgerError';
}

export async function fetchLedger(options: FetchLedgerOptions = {}): Promise<FetchedLedger> {
  const base = (options.baseUrl ?? '').replace(/\/+$/, '');
  const doFetch =
    options.fetch ?? ((globalThis as { fetch?: unknown }).fetch as FetchLike | undefined);
  if (!doFetch) throw new FetchLedgerError('no fetch in this environment; pass options.fetch');
  const init = {
    headers: { ...options.headers },
    credentials: 'same-origin' as const,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const get = async (path: string): Promise<FetchResponse> => {
    let response: FetchResponse;
    try {
      response = await doFetch(`${base}${path}`, init);
    } catch (error) {
      options.signal?.throwIfAborted();
      throw new FetchLedgerError(`GET ${path} failed: ${(error as Error).message}`);
    }
    if (!response.ok) throw new FetchLedgerError(`GET ${path} answered HTTP ${response.status}`);
    return response;
  };

  const exported = await get('/api/v1/export');
  const header = exported.headers.get('x-truce-checkpoint-size');
  const entries = new Uint8Array(await exported.arrayBuffer());
  if (header === null || !/^(0|[1-9][0-9]*)$/.test(header)) {
    throw new FetchLedgerError('the export has no x-truce-checkpoint-size header');
  }
  const exportSize = Number(header);
  if (exportSize === 0) {
    throw new FetchLedgerError('the log has no checkpoint yet; try again in a second');
  }
  const body = (await (await get(`/api/v1/checkpoints/${exportSize}`)).json()) as {
    note?: unknown;
  } | null;
  if (typeof body?.note !== 'string') {
    throw new FetchLedgerError(`GET /api/v1/checkpoints/${exportSize} has no note`);
  }
  return { checkpoint: body.note, entries, exportSize };
}
