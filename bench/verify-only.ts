import { type KeyObject, verify } from 'node:crypto';
import { ledger } from '@truce/core';
import { type SignatureCheck, SignatureVerifier } from '../packages/server/src/ledger/verifier.js';

/** The Ed25519 verify-only ceiling of a run, measured three ways; the fastest counts. */
export interface VerifyOnly {
  /** One thread, envelope by envelope (`ledger.verifyEnvelope`: canonical bytes, then verify). */
  oneThread: number;
  /** libuv's thread pool, every signature at once (`crypto.verify` with a callback). */
  pool: number;
  /** The service's verification threads (`SignatureVerifier`), every signature at once. */
  threads: number;
  best: number;
  /** CPU (every thread) a verification costs in the faster of the pool and the threads, µs. */
  cpuPerEntryUs: number;
}

const processCpuUs = (): number => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

const perSecond = (n: number): string => `${Math.round(n).toLocaleString('en')}/s`;

export function describeVerifyOnly(v: VerifyOnly): string {
  return `${perSecond(v.best)} (one thread ${perSecond(v.oneThread)}, thread pool ${perSecond(v.pool)}, verification threads ${perSecond(v.threads)})`;
}

/** The signature check of each envelope, all signed with `publicKey`'s key. */
export function signatureChecks(
  envelopes: readonly ledger.SignedEnvelope[],
  publicKey: KeyObject,
): SignatureCheck[] {
  return envelopes.map((envelope) => ({
    bytes: ledger.envelopeSigningBytes(envelope),
    publicKey,
    signature: ledger.fromBase64Url(envelope.sig) ?? new Uint8Array(),
  }));
}

export async function verifyOnly(
  envelopes: readonly ledger.SignedEnvelope[],
  publicKey: KeyObject,
): Promise<VerifyOnly> {
  const n = envelopes.length;
  const oneStart = performance.now();
  for (const envelope of envelopes) ledger.verifyEnvelope(envelope, publicKey);
  const oneThread = n / ((performance.now() - oneStart) / 1000);

  const checks = signatureChecks(envelopes, publicKey);

  const poolStart = performance.now();
  const poolCpuStart = processCpuUs();
  await Promise.all(
    checks.map(
      (check) =>
        new Promise((resolve) =>
          verify(null, check.bytes, check.publicKey, check.signature, (_error, ok) => resolve(ok)),
        ),
    ),
  );
  const pool = n / ((performance.now() - poolStart) / 1000);
  const poolCpu = (processCpuUs() - poolCpuStart) / n;

  const verifier = new SignatureVerifier();
  try {
    await verifier.verifyAll(checks.slice(0, 1)); // started before the clock
    const threadsStart = performance.now();
    const threadsCpuStart = processCpuUs();
    const valid = await verifier.verifyAll(checks);
    const threads = n / ((performance.now() - threadsStart) / 1000);
    const threadsCpu = (processCpuUs() - threadsCpuStart) / n;
    if (valid.includes(false)) throw new Error('verify-only: a sample signature did not verify');
    return {
      oneThread,
      pool,
      threads,
      best: Math.max(oneThread, pool, threads),
      cpuPerEntryUs: threads >= pool ? threadsCpu : poolCpu,
    };
  } finally {
    await verifier.close();
  }
}
