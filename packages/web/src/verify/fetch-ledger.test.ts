import { describe, expect, it } from 'vitest';
import { FetchLedgerError, type FetchLike, fetchLedger } from './fetch-ledger.js';
import { sampleInput } from './testing.js';
import { verifyLedger } from './verify.js';

const sample = sampleInput();

/** A server that answers as the truce routes do, from the sample export. */
function fakeServer(options: { size?: string | null; checkpoints?: Record<string, string> } = {}) {
  const requests: string[] = [];
  const checkpoints = options.checkpoints ?? { '128': sample.checkpoint };
  const respond = (status: number, body: string, headers: Record<string, string> = {}) => ({
    ok: status < 300,
    status,
    headers: { get: (name: string) => headers[name.toLowerCase()] ?? null },
    arrayBuffer: async () => new TextEncoder().encode(body).buffer as ArrayBuffer,
    json: async () => JSON.parse(body) as unknown,
  });
  const fetch: FetchLike = async (url, init) => {
    requests.push(`${url} ${JSON.stringify(init?.headers ?? {})}`);
    const path = new URL(url, 'https://cell.example').pathname;
    if (path === '/api/v1/export') {
      const size = options.size === undefined ? '128' : options.size;
      return respond(200, sample.entries, size === null ? {} : { 'x-truce-checkpoint-size': size });
    }
    const match = /^\/api\/v1\/checkpoints\/(\d+)$/.exec(path);
    const note = match ? checkpoints[match[1] as string] : undefined;
    if (note === undefined) return respond(404, '{"error":{"code":"NOT_FOUND"}}');
    return respond(200, JSON.stringify({ size: Number(match?.[1]), note, savedAt: '…' }));
  };
  return { fetch, requests };
}

describe('fetchLedger', () => {
  it('fetches the export, then the checkpoint of its size, and the result verifies', async () => {
    const server = fakeServer();
    const fetched = await fetchLedger({
      baseUrl: 'https://cell.example/',
      fetch: server.fetch,
      headers: { authorization: 'Bearer t' },
    });
    expect(server.requests).toEqual([
      'https://cell.example/api/v1/export {"authorization":"Bearer t"}',
      'https://cell.example/api/v1/checkpoints/128 {"authorization":"Bearer t"}',
    ]);
    expect(fetched.exportSize).toBe(128);
    const report = await verifyLedger({ logKey: sample.logKey, ...fetched });
    expect(report.ok).toBe(true);
  });

  it('throws FetchLedgerError when the server does not give what verification needs', async () => {
    await expect(fetchLedger({ fetch: fakeServer({ size: null }).fetch })).rejects.toThrow(
      FetchLedgerError,
    );
    await expect(fetchLedger({ fetch: fakeServer({ size: '0' }).fetch })).rejects.toThrow(
      /no checkpoint yet/,
    );
    await expect(fetchLedger({ fetch: fakeServer({ checkpoints: {} }).fetch })).rejects.toThrow(
      /HTTP 404/,
    );
  });

  it('a checkpoint of another size than the export is reported, not trusted', async () => {
    const report = await verifyLedger({ ...sample, exportSize: 127 });
    expect(report.problems.map((p) => p.code)).toEqual(['EXPORT_SIZE_MISMATCH']);
  });
});
