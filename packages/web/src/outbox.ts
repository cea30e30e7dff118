import { ApiError, api, cellNow } from './api.ts';
import { deviceKey, type SignedEnvelope, signEnvelope } from './device.ts';

/**
 * Reports made on a bad connection are not lost: each is signed on the device when it is made
 * (with the device's own key, device.ts: the signature says who reported what, and when, even
 * if it reaches the server hours later), gets an idempotency key, and when the network fails is
 * kept on the device (localStorage) and sent again when the connection returns. The server
 * answers a repeated key with the original receipt, so a report that did arrive before the
 * connection dropped is never recorded twice. On a browser that cannot sign (no Ed25519 in
 * WebCrypto), the server signs it for the organisation when it arrives (POST /api/v1/events).
 */
export interface Report {
  type: string;
  occurredAt: string;
  payload: Record<string, unknown>;
}

interface Queued {
  key: string;
  report: Report;
  queuedAt: string;
  /** Signed on this device when it was made; absent: the server signs it on arrival. */
  envelope?: SignedEnvelope;
}

export type Outcome =
  | { kind: 'recorded'; seq: number }
  | { kind: 'queued' }
  | { kind: 'refused'; message: string };

const storageKey = 'truce.outbox';
const refusedKey = 'truce.outbox.refused';

function readQueue(): Queued[] {
  try {
    return JSON.parse(globalThis.localStorage?.getItem(storageKey) ?? '[]') as Queued[];
  } catch {
    return [];
  }
}

/** Dispatched on `window` whenever the queue or the refused list changes. */
export const outboxChanged = 'truce:outbox';

function changed(): void {
  if (typeof dispatchEvent === 'function') dispatchEvent(new Event(outboxChanged));
}

function writeQueue(queue: readonly Queued[]): void {
  globalThis.localStorage?.setItem(storageKey, JSON.stringify(queue));
  changed();
}

export function pendingReports(): number {
  return readQueue().length;
}

async function send(item: Queued): Promise<{ seq: number }> {
  if (item.envelope) {
    const { receipts } = await api<{ receipts: { seq: number }[] }>('/api/v1/events/signed', {
      method: 'POST',
      body: { envelopes: [item.envelope] },
    });
    return { seq: receipts[0]!.seq };
  }
  return api<{ seq: number }>('/api/v1/events', {
    method: 'POST',
    body: { event: item.report },
    headers: { 'idempotency-key': item.key },
  });
}

export async function submitReport(report: Report): Promise<Outcome> {
  const key = crypto.randomUUID();
  const item: Queued = { key, report, queuedAt: new Date().toISOString() };
  const device = deviceKey();
  if (device) {
    const reportedAt = cellNow();
    item.envelope = await signEnvelope(device, {
      id: `${device.org}-${key}`,
      type: report.type,
      occurredAt: report.occurredAt,
      reportedAt,
      source: device.org,
      payload: report.payload,
    });
  }
  try {
    const receipt = await send(item);
    return { kind: 'recorded', seq: receipt.seq };
  } catch (error) {
    if (error instanceof ApiError) return { kind: 'refused', message: error.message };
    // The network failed: keep it, send it later with the same key.
    writeQueue([...readQueue(), item]);
    return { kind: 'queued' };
  }
}

export interface Refused {
  report: Report;
  queuedAt: string;
  message: string;
}

/** Queued reports the server refused when they were sent (kept to be shown, never dropped). */
export function refusedReports(): Refused[] {
  try {
    return JSON.parse(globalThis.localStorage?.getItem(refusedKey) ?? '[]') as Refused[];
  } catch {
    return [];
  }
}

/**
 * Sends what is queued, oldest first; stops at the first network failure, and while the
 * session has expired (401: the user logs in again, then it resumes). A report the server
 * refuses for good moves to the refused list with the reason.
 */
export async function flushOutbox(): Promise<number> {
  let sent = 0;
  for (const item of readQueue()) {
    try {
      await send(item);
      sent++;
    } catch (error) {
      if (!(error instanceof ApiError) || error.status === 401) break;
      const refused: Refused = {
        report: item.report,
        queuedAt: item.queuedAt,
        message: error.message,
      };
      globalThis.localStorage?.setItem(refusedKey, JSON.stringify([...refusedReports(), refused]));
      changed();
    }
    writeQueue(readQueue().filter((queued) => queued.key !== item.key));
  }
  return sent;
}
