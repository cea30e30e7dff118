import { ledger } from '@truce/core';
import { describe, expect, it } from 'vitest';
import { openMemoryStore } from '../store/index.js';
import { Ledger, prepareEntry } from './ledger-service.js';
import { maximumMergeDelayMs, verifyPromise } from './statements.js';
import {
  newKey,
  registration,
  revocation,
  sampleEvent,
  signedEvent,
  testIdentity,
} from './testing.js';

async function setup() {
  const store = openMemoryStore();
  const identity = testIdentity();
  const service = await Ledger.open(store, identity);
  const qatar = newKey();
  await service.submit([registration(identity, 'qatar', qatar)]);
  return { store, identity, service, qatar };
}

describe('Ledger.submit', () => {
  it('starts the log with the genesis entry and a checkpoint signed by the log key', async () => {
    const store = openMemoryStore();
    const identity = testIdentity();
    const service = await Ledger.open(store, identity);
    expect(await store.size()).toBe(1);
    expect(service.registry.operator).toBe('operator');
    const checkpoint = await store.latestCheckpoint();
    expect(checkpoint?.size).toBe(1);
    const verified = ledger.verifyCheckpoint(checkpoint?.text ?? '', { log: identity.verifier });
    expect(ledger.toHex(verified.checkpoint.rootHash)).toBe(ledger.toHex(await store.root(1)));
    await service.close();
  });

  it('appends a signed event and returns a receipt with a promise signed by the log key', async () => {
    const { service, identity, qatar, store } = await setup();
    const envelope = signedEvent(sampleEvent('e-1', 'qatar'), qatar);
    const [receipt] = await service.submit([envelope]);
    expect(receipt?.seq).toBe(2);
    expect(receipt?.leafHash).toBe(ledger.toHex(ledger.envelopeLeafHash(envelope)));
    expect(verifyPromise(receipt?.promise, identity.publicKey)).toBe(true);
    expect(verifyPromise({ ...receipt?.promise, seq: 3 }, identity.publicKey)).toBe(false);
    expect(
      Date.parse(receipt?.promise.checkpointBy ?? '') - Date.parse(receipt?.appendedAt ?? ''),
    ).toBe(maximumMergeDelayMs);
    expect(await store.size()).toBe(3);
    await service.close();
  });

  it('signs the receipts of concurrent submissions once, each verifiable offline from its batch proof', async () => {
    const { service, identity, qatar } = await setup();
    const envelopes = Array.from({ length: 5 }, (_, i) =>
      signedEvent(sampleEvent(`e-${i}`, 'qatar', i), qatar),
    );
    const receipts = (await Promise.all(envelopes.map((e) => service.submit([e])))).flat();
    expect(new Set(receipts.map((r) => r.promise.sig)).size).toBe(1);
    expect(receipts.map((r) => r.promise.batch.index)).toEqual([0, 1, 2, 3, 4]);
    for (const receipt of receipts) {
      const { promise } = receipt;
      expect(promise.batch.size).toBe(5);
      expect(verifyPromise(promise, identity.publicKey)).toBe(true);
      expect(verifyPromise({ ...promise, seq: promise.seq + 1 }, identity.publicKey)).toBe(false);
      const moved = { ...promise.batch, index: (promise.batch.index + 1) % 5 };
      expect(verifyPromise({ ...promise, batch: moved }, identity.publicKey)).toBe(false);
      const path = [...promise.batch.path].reverse();
      if (path.length > 1 && path[0] !== path.at(-1)) {
        expect(
          verifyPromise({ ...promise, batch: { ...promise.batch, path } }, identity.publicKey),
        ).toBe(false);
      }
      const grown = { ...promise.batch, size: 6 };
      expect(verifyPromise({ ...promise, batch: grown }, identity.publicKey)).toBe(false);
      expect(verifyPromise(promise, testIdentity().publicKey)).toBe(false);
    }
    await service.close();
  });

  it('gives each of many concurrent submissions its own outcome: receipts, a retry within the turn, a refusal', async () => {
    const { service, identity, qatar, store } = await setup();
    const envelopes = Array.from({ length: 40 }, (_, i) =>
      signedEvent(sampleEvent(`w-${i}`, 'qatar', i), qatar),
    );
    const tampered = {
      ...signedEvent(sampleEvent('w-bad', 'qatar'), qatar),
      event: sampleEvent('w-bad', 'qatar', 999),
    };
    const outcomes = await Promise.allSettled([
      ...envelopes.slice(0, 10).map((envelope) => service.submit([envelope])),
      service.submit([tampered]),
      ...envelopes.slice(10).map((envelope) => service.submit([envelope])),
      // The same envelope again, later in the same turn: the original's receipt.
      service.submit([envelopes[3]]),
    ]);
    const receipts = outcomes.map((outcome) =>
      outcome.status === 'fulfilled' ? outcome.value[0] : outcome.reason,
    );
    expect(receipts[10]).toMatchObject({ code: 'LEDGER_SIGNATURE_INVALID' });
    const fresh = [...receipts.slice(0, 10), ...receipts.slice(11, 41)];
    expect(new Set(fresh.map((receipt) => receipt.seq)).size).toBe(40);
    fresh.forEach((receipt, i) => {
      expect(receipt.leafHash).toBe(ledger.toHex(ledger.envelopeLeafHash(envelopes[i]!)));
      expect(verifyPromise(receipt.promise, identity.publicKey)).toBe(true);
    });
    expect(receipts[41]).toMatchObject({ seq: fresh[3].seq, leafHash: fresh[3].leafHash });
    expect(verifyPromise(receipts[41].promise, identity.publicKey)).toBe(true);
    expect(await store.size()).toBe(42);
    await service.close();
  });

  it('returns the original receipt on a retry and CONFLICT for other content under the same key', async () => {
    const { service, qatar } = await setup();
    const envelope = signedEvent(sampleEvent('e-1', 'qatar'), qatar, 'retry-1');
    const [first] = await service.submit([envelope]);
    const [again] = await service.submit([envelope]);
    expect(again).toMatchObject({ seq: first?.seq, idempotent: true, promise: first?.promise });
    const other = signedEvent(sampleEvent('e-2', 'qatar', 5), qatar, 'retry-1');
    await expect(service.submit([other])).rejects.toMatchObject({ code: 'CONFLICT' });
    await service.close();
  });

  it('refuses a bad signature, an unknown key and an envelope signed for another organisation', async () => {
    const { service, qatar } = await setup();
    const envelope = signedEvent(sampleEvent('e-1', 'qatar'), qatar);
    const tampered = { ...envelope, event: sampleEvent('e-1', 'qatar', 999) };
    await expect(service.submit([tampered])).rejects.toMatchObject({
      code: 'LEDGER_SIGNATURE_INVALID',
    });
    const stranger = signedEvent(sampleEvent('e-2', 'egypt'), newKey());
    await expect(service.submit([stranger])).rejects.toMatchObject({ code: 'LEDGER_KEY_INVALID' });
    // The event says egypt reported it, but qatar signed the envelope.
    const mismatched = ledger.signEnvelope(
      {
        v: 1,
        id: 'e-3',
        org: 'qatar',
        keyId: ledger.keyIdFor('qatar', qatar),
        idempotencyKey: 'e-3',
        event: sampleEvent('e-3', 'egypt'),
      },
      qatar,
    );
    await expect(service.submit([mismatched])).rejects.toMatchObject({
      code: 'LEDGER_ENTRY_INVALID',
    });
    const invalid = signedEvent({ ...sampleEvent('e-4', 'qatar'), payload: { count: -1 } }, qatar);
    await expect(service.submit([invalid])).rejects.toMatchObject({ code: 'EVENT_INVALID' });
    await service.close();
  });

  it('refuses envelopes signed with a key after its revocation, accepts the ones before', async () => {
    const { service, qatar } = await setup();
    const keyId = ledger.keyIdFor('qatar', qatar);
    await service.submit([signedEvent(sampleEvent('e-1', 'qatar'), qatar)]);
    await service.submit([revocation({ org: 'qatar', key: qatar }, keyId)]);
    await expect(
      service.submit([signedEvent(sampleEvent('e-2', 'qatar'), qatar)]),
    ).rejects.toMatchObject({
      code: 'LEDGER_KEY_INVALID',
      message: expect.stringContaining('revoked'),
    });
    await service.close();
  });

  it('gives an envelope retried after its key was revoked its original receipt, and nothing new', async () => {
    const { service, identity, qatar } = await setup();
    const keyId = ledger.keyIdFor('qatar', qatar);
    // Sent from a device that then went offline without its receipt; the key is revoked meanwhile.
    const original = signedEvent(sampleEvent('e-1', 'qatar'), qatar);
    const [first] = await service.submit([original]);
    await service.submit([revocation({ org: 'qatar', key: qatar }, keyId)]);
    const egypt = newKey();
    await service.submit([registration(identity, 'egypt', egypt)]);
    const size = await service.store.size();

    const [again] = await service.submit([original]);
    expect(again).toMatchObject({ seq: first!.seq, leafHash: first!.leafHash, idempotent: true });
    // With an envelope of a valid key in the same batch: both, the retry appended no entry.
    const [retried, fresh] = await service.submit([
      original,
      signedEvent(sampleEvent('e-3', 'egypt'), egypt),
    ]);
    expect(retried).toMatchObject({ seq: first!.seq, idempotent: true });
    expect(fresh).toMatchObject({ seq: size, idempotent: false });
    // Other content under the same idempotency key, or a new envelope, is still refused: all
    // or nothing, so the valid envelope beside it is not appended either.
    const changed = signedEvent(sampleEvent('e-1', 'qatar', 99), qatar);
    for (const batch of [
      [changed],
      [original, signedEvent(sampleEvent('e-2', 'qatar'), qatar)],
      [
        signedEvent(sampleEvent('e-4', 'egypt'), egypt),
        signedEvent(sampleEvent('e-5', 'qatar'), qatar),
      ],
    ]) {
      await expect(service.submit(batch)).rejects.toMatchObject({
        code: 'LEDGER_KEY_INVALID',
        message: expect.stringContaining('revoked'),
      });
    }
    expect(await service.store.size()).toBe(size + 1);
    await service.close();
  });

  it('lets only the operator or the organisation itself register its keys, with proof of possession', async () => {
    const { service, identity, qatar } = await setup();
    const egypt = newKey();
    // qatar tries to register a key for egypt.
    const byQatar = registration(
      { ...identity, operator: 'qatar', privateKey: qatar },
      'egypt',
      egypt,
    );
    await expect(service.submit([byQatar])).rejects.toMatchObject({ code: 'LEDGER_KEY_INVALID' });
    // qatar rotates its own key: allowed.
    const next = newKey();
    const rotation = registration(
      { ...identity, operator: 'qatar', privateKey: qatar },
      'qatar',
      next,
    );
    await service.submit([rotation]);
    await service.submit([signedEvent(sampleEvent('e-9', 'qatar'), next)]);
    // A registration whose proof was made by another key.
    const forged = registration(identity, 'egypt', egypt) as ledger.SignedEnvelope<
      {
        payload: { proof: string };
      } & ledger.JsonValue
    >;
    const payload = {
      ...(forged.event as { payload: Record<string, unknown> }).payload,
      proof: 'A'.repeat(86),
    };
    const bad = signedEvent(
      {
        ...(forged.event as Record<string, unknown>),
        payload,
        id: 'x',
        source: 'operator',
      } as never,
      identity.privateKey,
    );
    await expect(service.submit([bad])).rejects.toMatchObject({ code: 'LEDGER_SIGNATURE_INVALID' });
    await service.close();
  });

  it('returns the original receipt for a retried key event, CONFLICT for other content', async () => {
    const { service, identity, store } = await setup();
    const egypt = newKey();
    const request = registration(identity, 'egypt', egypt);
    const [first] = await service.submit([request]);
    const size = await store.size();
    const [again] = await service.submit([request]);
    expect(again).toEqual({ ...first, idempotent: true });
    // A retry of a batch whose key event is in the log and whose other envelope is new.
    const [retried, fresh] = await service.submit([
      request,
      signedEvent(sampleEvent('e-eg', 'egypt'), egypt),
    ]);
    expect(retried).toEqual({ ...first, idempotent: true });
    expect(fresh).toMatchObject({ seq: size, idempotent: false });
    // The same idempotency key with another registration is a CONFLICT, as for any event.
    const other = registration(identity, 'egypt', egypt, new Date('2025-01-19T07:00:00Z'));
    expect(other.idempotencyKey).toBe(request.idempotencyKey);
    await expect(service.submit([other])).rejects.toMatchObject({ code: 'CONFLICT' });
    await service.close();
  });

  it('reads only the key events on open, and rebuilds the same registry', async () => {
    const { service, store, identity, qatar } = await setup();
    await service.submit(
      Array.from({ length: 30 }, (_, i) => signedEvent(sampleEvent(`o-${i}`, 'qatar'), qatar)),
    );
    await service.submit([
      revocation({ org: 'qatar', key: qatar }, ledger.keyIdFor('qatar', qatar)),
    ]);
    await service.close();
    let read = 0;
    const counting = new Proxy(store, {
      get(target, property, receiver) {
        if (property === 'entries' || property === 'entry') read += 1;
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const reopened = await Ledger.open(counting, identity);
    expect(read).toBe(0);
    expect(reopened.registry.listing()).toEqual(service.registry.listing());
    await reopened.close();
  });

  it('builds the leaf bytes from the signed bytes exactly as the envelope canonicalises', () => {
    const key = newKey();
    for (const [i, event] of [
      sampleEvent('p-1', 'qatar'),
      { ...sampleEvent('p-2', 'qatar'), payload: { note: '"quoted" \u00e9 \ud83d\ude00 \n' } },
    ].entries()) {
      const envelope = signedEvent(event, key, `key-${i}-ü`);
      const { request, signed } = prepareEntry(envelope, 'key');
      expect(ledger.toHex(request.entry)).toBe(ledger.toHex(ledger.envelopeEntryBytes(envelope)));
      expect(ledger.toHex(signed)).toBe(ledger.toHex(ledger.envelopeSigningBytes(envelope)));
      expect(request.kind).toBe('key');
    }
  });

  it('admits a batch that registers a key and uses it, in order', async () => {
    const { service, identity } = await setup();
    const egypt = newKey();
    const receipts = await service.submit([
      registration(identity, 'egypt', egypt),
      signedEvent(sampleEvent('e-eg', 'egypt'), egypt),
    ]);
    expect(receipts.map((r) => r.seq)).toEqual([2, 3]);
    await service.close();
  });

  it('refuses to open a store started with another log key', async () => {
    const store = openMemoryStore();
    await (await Ledger.open(store, testIdentity())).close();
    await expect(Ledger.open(store, testIdentity())).rejects.toMatchObject({
      code: 'LEDGER_KEY_INVALID',
    });
  });
});

describe('checkpointer', () => {
  it('signs a checkpoint covering every append within 1 s (injected timers)', async () => {
    const pending: { callback: () => void; ms: number }[] = [];
    const timers = {
      setTimeout: (callback: () => void, ms: number) => pending.push({ callback, ms }),
      clearTimeout: () => {},
    };
    const store = openMemoryStore();
    const identity = testIdentity();
    const service = await Ledger.open(store, identity, { checkpointer: { timers } });
    const qatar = newKey();
    await service.submit([registration(identity, 'qatar', qatar)]);
    await service.submit([signedEvent(sampleEvent('e-1', 'qatar'), qatar)]);
    await service.submit([signedEvent(sampleEvent('e-2', 'qatar'), qatar)]);
    // One timer for the burst, due well within the promised delay.
    expect(pending).toHaveLength(1);
    expect(pending[0]?.ms).toBeLessThanOrEqual(maximumMergeDelayMs / 2);
    expect((await store.latestCheckpoint())?.size).toBe(1);
    pending[0]?.callback();
    await service.checkpoint();
    const latest = await store.latestCheckpoint();
    expect(latest?.size).toBe(4);
    const verified = ledger.verifyCheckpoint(latest?.text ?? '', { log: identity.verifier });
    expect(ledger.toHex(verified.checkpoint.rootHash)).toBe(ledger.toHex(await store.root()));
    // The next append schedules the next checkpoint.
    await service.submit([signedEvent(sampleEvent('e-3', 'qatar'), qatar)]);
    expect(pending).toHaveLength(2);
    await service.close();
    expect((await store.latestCheckpoint())?.size).toBe(5);
  });

  it('meets the 1 s promise with the real clock', async () => {
    const { service, store, qatar } = await setup();
    const [receipt] = await service.submit([signedEvent(sampleEvent('e-1', 'qatar'), qatar)]);
    const deadline = Date.parse(receipt?.promise.checkpointBy ?? '');
    while ((await store.latestCheckpoint())?.size !== 3) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await service.close();
  });
});

describe('cosignatures', () => {
  it('stores a registered witness cosignature and lists the cosigners of the latest checkpoint', async () => {
    const { service, store, qatar } = await setup();
    const checkpoint = await service.checkpoint();
    const witness = ledger.noteSigner('qatar', qatar, ledger.signatureTypes.cosignatureV1);
    const signature = ledger.cosignCheckpoint(checkpoint?.text ?? '', witness, 1_737_000_000);
    const line = ledger.formatSignatureLine(signature);
    await service.cosign(line);
    expect(await service.cosigners()).toEqual([
      expect.objectContaining({ witness: 'qatar', timestamp: 1_737_000_000 }),
    ]);
    const stranger = ledger.noteSigner('egypt', newKey(), ledger.signatureTypes.cosignatureV1);
    const strangerLine = ledger.formatSignatureLine(
      ledger.cosignCheckpoint(checkpoint?.text ?? '', stranger, 1),
    );
    await expect(service.cosign(strangerLine)).rejects.toMatchObject({
      code: 'LEDGER_KEY_INVALID',
    });
    expect(await store.cosignatures(checkpoint?.size ?? 0)).toHaveLength(1);

    // The log grows: the new checkpoint has no cosigner yet, and qatar shows where it stopped.
    await service.submit([signedEvent(sampleEvent('after-cosigning', 'qatar'), qatar)]);
    const later = await service.checkpoint();
    expect(later?.size).toBe((checkpoint?.size ?? 0) + 1);
    expect(await service.cosigners()).toEqual([]);
    expect(await service.witnesses()).toEqual([
      expect.objectContaining({
        witness: 'qatar',
        checkpointSize: checkpoint?.size,
        timestamp: 1_737_000_000,
      }),
    ]);
    await service.close();
  });
});
