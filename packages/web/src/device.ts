import { canonicalize } from '../../core/src/ledger/canonical-json.js';
import { ApiError, api } from './api.ts';
import { fromBase64Url, toBase64, toBase64Url, utf8 } from './verify/bytes.js';
import type { SignedEnvelope } from './verify/envelope.js';

export type { SignedEnvelope };

/**
 * This device's own signing key, so that a report made without a connection is signed on the
 * device, when it is made, and not by the server when it finally arrives. The key is an Ed25519
 * key made with WebCrypto whose private half cannot be exported; it lives in this browser's
 * IndexedDB, one per user. It is registered once, online, for the user's organisation
 * (POST /api/v1/devices: the device proves it holds the key; the operator records the
 * registration in the log). Envelopes it signs go to POST /api/v1/events/signed.
 */
export interface DeviceKey {
  keyId: string;
  org: string;
  privateKey: CryptoKey;
}

const dbName = 'truce';
const storeName = 'device-keys';

function database(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(dbName, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(storeName);
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
}

async function stored(userId: string): Promise<DeviceKey | undefined> {
  const db = await database();
  return new Promise((resolve, reject) => {
    const request = db.transaction(storeName).objectStore(storeName).get(userId);
    request.onsuccess = () => resolve(request.result as DeviceKey | undefined);
    request.onerror = () => reject(request.error);
  });
}

async function store(userId: string, key: DeviceKey): Promise<void> {
  const db = await database();
  await new Promise<void>((resolve, reject) => {
    const transaction = db.transaction(storeName, 'readwrite');
    transaction.objectStore(storeName).put(key, userId);
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error);
  });
}

async function forget(userId: string): Promise<void> {
  const db = await database();
  await new Promise<void>((resolve, reject) => {
    const transaction = db.transaction(storeName, 'readwrite');
    transaction.objectStore(storeName).delete(userId);
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error);
  });
}

/** Forgets this device's key for the user (revoked): the next login makes a new one. */
export async function forgetDeviceKey(userId: string): Promise<void> {
  current = undefined;
  await forget(userId).catch(() => undefined);
}

/** Whether the server says this key was revoked (offline or unsure: no). */
async function revokedOnServer(keyId: string): Promise<boolean> {
  try {
    const { devices } = await api<{ devices: { keyId: string; revokedAt?: string }[] }>(
      '/api/v1/devices',
    );
    return devices.some((device) => device.keyId === keyId && device.revokedAt !== undefined);
  } catch {
    return false;
  }
}

let current: DeviceKey | undefined;

/** The key this device signs with for the signed-in user, once `ensureDeviceKey` has run. */
export function deviceKey(): DeviceKey | undefined {
  return current;
}

/** What `ensureDeviceKey` found: this device's key, or why it has none. */
export type DeviceKeyResult =
  | { key: DeviceKey; refused?: undefined }
  | { key?: undefined; refused?: string };

/**
 * Loads this device's key for the user, or makes and registers one (online). Without a key,
 * reports are signed by the server for the organisation, as before. That happens where the
 * browser cannot (no Ed25519 in WebCrypto, no IndexedDB), silently, or where the server refuses
 * the key (a user with ten devices in use), with the server's reason in `refused` to tell them.
 */
export async function ensureDeviceKey(user: {
  id: string;
  orgId: string;
}): Promise<DeviceKeyResult> {
  try {
    const found = await stored(user.id);
    // A key revoked meanwhile (a lost device found again, a user disabled then enabled) is
    // replaced: what it signs would be refused.
    if (found && found.org === user.orgId && !(await revokedOnServer(found.keyId))) {
      current = found;
      return { key: found };
    }
    const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    const raw = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
    const publicKey = toBase64(raw);
    const challenge = await api<{ keyId: string; org: string; statement: string }>(
      '/api/v1/devices/challenge',
      { method: 'POST', body: { publicKey } },
    );
    const statement = fromBase64Url(challenge.statement);
    if (!statement) throw new Error('the server sent a statement that is not base64url');
    const proof = new Uint8Array(
      await crypto.subtle.sign({ name: 'Ed25519' }, pair.privateKey, new Uint8Array(statement)),
    );
    await api('/api/v1/devices', {
      method: 'POST',
      body: { publicKey, proof: toBase64Url(proof) },
    });
    const key: DeviceKey = {
      keyId: challenge.keyId,
      org: challenge.org,
      privateKey: pair.privateKey,
    };
    await store(user.id, key);
    current = key;
    return { key };
  } catch (error) {
    current = undefined;
    return error instanceof ApiError ? { refused: error.message } : {};
  }
}

/** Signs an event as truce's envelope format says (RFC 8785 bytes of the unsigned envelope). */
export async function signEnvelope(
  key: DeviceKey,
  event: Record<string, unknown> & { id: string },
): Promise<SignedEnvelope> {
  const unsigned = {
    v: 1 as const,
    id: event.id,
    org: key.org,
    keyId: key.keyId,
    idempotencyKey: event.id,
    event,
  };
  const bytes = new Uint8Array(utf8(canonicalize(unsigned)));
  const sig = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, key.privateKey, bytes));
  return { ...unsigned, sig: toBase64Url(sig) };
}
