import { generateKeyPairSync, sign } from 'node:crypto';
import { ledger as core } from '@truce/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleAgreement, startTestServer, type TestServer } from '../../http/testing.js';
import { sampleEvent } from '../../ledger/testing.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  await server.app.inject({
    method: 'POST',
    url: '/api/v1/agreements',
    headers: { ...server.headers('mediator'), 'content-type': 'application/yaml' },
    payload: exampleAgreement(),
  });
}, 120_000);
afterAll(async () => {
  await server?.close();
});

const post = (role: Parameters<TestServer['headers']>[0], url: string, payload: unknown) =>
  server.app.inject({
    method: 'POST',
    url,
    headers: server.headers(role),
    payload: payload as string,
  });

const get = (role: Parameters<TestServer['headers']>[0], url: string) =>
  server.app.inject({ method: 'GET', url, headers: server.headers(role) });

/** What the browser does with WebCrypto, done with node:crypto. */
function deviceKeyPair() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  return { privateKey, publicKey: Buffer.from(raw).toString('base64') };
}

describe('devices that sign their own reports', () => {
  it("registers a device's key for the user's organisation, then accepts what it signs", async () => {
    const device = deviceKeyPair();
    const challenge = await post('party_liaison', '/api/v1/devices/challenge', {
      publicKey: device.publicKey,
    });
    expect(challenge.statusCode).toBe(200);
    const { keyId, statement, org } = challenge.json();
    expect(org).toBe('israel');
    expect(keyId).toMatch(/^israel:[0-9a-f]+$/);
    const proof = sign(null, Buffer.from(statement, 'base64url'), device.privateKey).toString(
      'base64url',
    );
    const registered = await post('party_liaison', '/api/v1/devices', {
      publicKey: device.publicKey,
      proof,
    });
    expect(registered.statusCode).toBe(201);
    expect(registered.json().keyId).toBe(keyId);
    // Again: the same registration, nothing appended.
    const size = await server.app.truce.store.size();
    const again = await post('party_liaison', '/api/v1/devices', {
      publicKey: device.publicKey,
      proof,
    });
    expect(again.statusCode).toBe(201);
    expect(await server.app.truce.store.size()).toBe(size);

    // An envelope the device signed (as it would offline) is accepted as the organisation's.
    const event = sampleEvent('israel-device-1', 'israel', 5);
    const envelope = core.signEnvelope(
      { v: 1, id: event.id, org: 'israel', keyId, idempotencyKey: event.id, event },
      device.privateKey,
    );
    const submitted = await post('party_liaison', '/api/v1/events/signed', {
      envelopes: [envelope],
    });
    expect(submitted.statusCode).toBe(201);
    const audit = await get('mediator', '/api/v1/audit?action=device.register');
    expect(audit.json().records).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'device.register', target: keyId }),
      ]),
    );
  });

  it('refuses a proof made with another key, and users who may not report', async () => {
    const device = deviceKeyPair();
    const other = deviceKeyPair();
    const { statement } = (
      await post('agency', '/api/v1/devices/challenge', { publicKey: device.publicKey })
    ).json();
    const forged = sign(null, Buffer.from(statement, 'base64url'), other.privateKey).toString(
      'base64url',
    );
    const refused = await post('agency', '/api/v1/devices', {
      publicKey: device.publicKey,
      proof: forged,
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.code).toBe('LEDGER_SIGNATURE_INVALID');
    const observer = await post('observer', '/api/v1/devices/challenge', {
      publicKey: device.publicKey,
    });
    expect(observer.statusCode).toBe(403);
    const anonymous = await post('anonymous', '/api/v1/devices/challenge', {
      publicKey: device.publicKey,
    });
    expect(anonymous.statusCode).toBe(401);
  });
});

type DeviceRole = 'party_liaison' | 'agency' | 'monitor';

/** A new device key pair for `role`'s user with its proof of possession, not yet registered. */
async function provenDevice(role: DeviceRole) {
  const device = deviceKeyPair();
  const { keyId, statement } = (
    await post(role, '/api/v1/devices/challenge', { publicKey: device.publicKey })
  ).json();
  const proof = sign(null, Buffer.from(statement, 'base64url'), device.privateKey).toString(
    'base64url',
  );
  return { ...device, keyId: keyId as string, proof };
}

/** Registers a new device key for `role`'s user: the key pair and its id. */
async function registerDevice(role: DeviceRole) {
  const device = await provenDevice(role);
  const registered = await post(role, '/api/v1/devices', {
    publicKey: device.publicKey,
    proof: device.proof,
  });
  expect(registered.statusCode).toBe(201);
  return device;
}

describe('revoking a device', () => {
  it('lets its user list and revoke it (a lost phone), a mediator too, and nobody else', async () => {
    const phone = await registerDevice('monitor');
    const laptop = await registerDevice('monitor');
    const mine = await get('monitor', '/api/v1/devices');
    expect(mine.json().devices.map((d: { keyId: string }) => d.keyId)).toEqual(
      expect.arrayContaining([phone.keyId, laptop.keyId]),
    );
    // Another user of the cell does not see it and cannot revoke it.
    const theirs = await get('party_liaison', '/api/v1/devices');
    expect(theirs.json().devices.map((d: { keyId: string }) => d.keyId)).not.toContain(phone.keyId);
    const stranger = await post('party_liaison', `/api/v1/devices/${phone.keyId}/revoke`, {});
    expect(stranger.statusCode).toBe(404);

    const lost = await post('monitor', `/api/v1/devices/${phone.keyId}/revoke`, {
      reason: 'phone lost at the crossing',
    });
    expect(lost.statusCode, lost.body).toBe(200);
    expect(lost.json()).toMatchObject({ keyId: phone.keyId, revokedAt: expect.any(String) });
    await server.app.truce.ledger.refreshRegistry();
    expect(server.app.truce.ledger.registry.key(phone.keyId)?.revokedAt).toBeDefined();
    expect(server.app.truce.ledger.registry.key(laptop.keyId)?.revokedAt).toBeUndefined();
    // Again: nothing more happens.
    const size = await server.app.truce.store.size();
    expect((await post('monitor', `/api/v1/devices/${phone.keyId}/revoke`, {})).statusCode).toBe(
      200,
    );
    expect(await server.app.truce.store.size()).toBe(size);
    // A mediator revokes another user's device.
    const byMediator = await post('mediator', `/api/v1/devices/${laptop.keyId}/revoke`, {
      reason: 'left the cell',
    });
    expect(byMediator.statusCode).toBe(200);
    const all = await get('mediator', '/api/v1/devices?all=true');
    expect(all.json().devices).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ keyId: laptop.keyId, revokedAt: expect.any(String) }),
      ]),
    );
    const audit = await get('mediator', '/api/v1/audit?action=device.revoke');
    expect(audit.json().records).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          target: phone.keyId,
          details: expect.objectContaining({ reason: 'phone lost at the crossing' }),
        }),
      ]),
    );
  });
});

describe('how many devices', () => {
  it('keeps a user to ten device keys in use: an eleventh waits until one is revoked', async () => {
    const listed = async () =>
      (await get('party_liaison', '/api/v1/devices')).json().devices as {
        keyId: string;
        revokedAt?: string;
      }[];
    const inUse = async () => (await listed()).filter((device) => !device.revokedAt);
    while ((await inUse()).length < 10) await registerDevice('party_liaison');
    const extra = await provenDevice('party_liaison');
    const refused = await post('party_liaison', '/api/v1/devices', {
      publicKey: extra.publicKey,
      proof: extra.proof,
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.message).toMatch(/revoke the ones you no longer use/);
    const oldest = (await inUse()).at(-1)!;
    expect(
      (await post('party_liaison', `/api/v1/devices/${oldest.keyId}/revoke`, {})).statusCode,
    ).toBe(200);
    const accepted = await post('party_liaison', '/api/v1/devices', {
      publicKey: extra.publicKey,
      proof: extra.proof,
    });
    expect(accepted.statusCode, accepted.body).toBe(201);
    expect(await inUse()).toHaveLength(10);
  });
});

describe('a disabled user', () => {
  it('has the keys of their devices revoked in the ledger: what those devices sign is refused', async () => {
    // Last in this file: the agency user is disabled for good.
    const device = await registerDevice('agency');
    const { keyId } = device;
    const signed = (id: string) => {
      const event = sampleEvent(id, 'un-ocha', 7);
      return core.signEnvelope(
        { v: 1, id: event.id, org: 'un-ocha', keyId, idempotencyKey: event.id, event },
        device.privateKey,
      );
    };
    const sent = await post('agency', '/api/v1/events/signed', {
      envelopes: [signed('ocha-device-1')],
    });
    expect(sent.statusCode).toBe(201);

    const disabled = await server.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${server.as.agency.userId}`,
      headers: server.headers('mediator'),
      payload: { disabled: true },
    });
    expect(disabled.statusCode, disabled.body).toBe(200);
    // The key is revoked by the log operator, with the reason, in the ledger itself.
    await server.app.truce.ledger.refreshRegistry();
    expect(server.app.truce.ledger.registry.key(keyId)?.revokedAt).toBeDefined();
    // Relayed by anyone who may report, what the device signs now is refused.
    const relayed = await post('mediator', '/api/v1/events/signed', {
      envelopes: [signed('ocha-device-2')],
    });
    expect(relayed.statusCode).toBe(422);
    expect(relayed.json().error.code).toBe('LEDGER_KEY_INVALID');
    // What it signed before, sent again (an outbox that never got its receipt): the original
    // receipt, and nothing appended.
    const size = await server.app.truce.store.size();
    const retried = await post('mediator', '/api/v1/events/signed', {
      envelopes: [signed('ocha-device-1')],
    });
    expect(retried.statusCode, retried.body).toBe(201);
    expect(retried.json().receipts).toEqual([
      { ...sent.json().receipts[0], idempotent: true, promise: expect.any(Object) },
    ]);
    expect(await server.app.truce.store.size()).toBe(size);
    const audit = await get('mediator', '/api/v1/audit?action=device.revoke');
    expect(
      audit.json().records.filter((record: { target: string }) => record.target === keyId),
    ).toEqual([
      expect.objectContaining({
        actorOrg: 'qatar',
        details: expect.objectContaining({
          user: server.as.agency.userId,
          reason: 'user disabled',
        }),
      }),
    ]);
  });
});
