import { createPublicKey, verify } from 'node:crypto';
import { ledger as core, TruceError } from '@truce/core';
import { type AppContext, originOf, type TruceApp } from '../../http/context.js';
import { keyRegistrationEnvelope, possessionBytes } from '../../ledger/index.js';
import {
  deviceChallengeSchema,
  listDevicesSchema,
  registerDeviceSchema,
  revokeDeviceSchema,
} from './schema.js';

/** The DER prefix of an Ed25519 SubjectPublicKeyInfo: the raw 32 bytes follow it. */
const spkiPrefix = Buffer.from('302a300506032b6570032100', 'hex');

function deviceKey(org: string, publicKey: string) {
  const raw = Buffer.from(publicKey, 'base64');
  if (raw.length !== 32) throw new TruceError('VALIDATION_FAILED', 'a public key is 32 bytes');
  const key = createPublicKey({
    key: Buffer.concat([spkiPrefix, raw]),
    format: 'der',
    type: 'spki',
  });
  const keyId = core.keyIdFor(org, key);
  return { key, keyId, statement: possessionBytes(org, keyId, publicKey) };
}

/**
 * Devices that sign their own reports (the dashboard on a bad connection): their keys are
 * registered for the user's organisation by the operator, with the device's own proof that it
 * holds the private key. Thin: the ledger checks the registration like any other.
 */
export function deviceRoutes(app: TruceApp, ctx: AppContext): void {
  app.post(
    '/api/v1/devices/challenge',
    { config: { action: 'devices.register' }, schema: deviceChallengeSchema },
    async (request) => {
      const actor = request.actor;
      if (actor.kind === 'anonymous') throw new TruceError('UNAUTHENTICATED', 'log in first');
      const org = actor.user.orgId;
      const { keyId, statement } = deviceKey(org, request.body.publicKey);
      return {
        org,
        keyId,
        publicKey: request.body.publicKey,
        statement: core.toBase64Url(statement),
      };
    },
  );

  app.post(
    '/api/v1/devices',
    { config: { action: 'devices.register' }, schema: registerDeviceSchema },
    async (request, reply) => {
      const actor = request.actor;
      if (actor.kind === 'anonymous') throw new TruceError('UNAUTHENTICATED', 'log in first');
      const org = actor.user.orgId;
      const { key, keyId, statement } = deviceKey(org, request.body.publicKey);
      if (!verify(null, statement, key, Buffer.from(request.body.proof, 'base64url'))) {
        throw new TruceError(
          'LEDGER_SIGNATURE_INVALID',
          'the proof does not verify with this key: sign the statement from /api/v1/devices/challenge',
        );
      }
      await ctx.devices.checkRoomFor(actor.user.id, keyId);
      const identity = ctx.ledger.identity;
      const envelope = keyRegistrationEnvelope({
        org,
        publicKey: key,
        proof: request.body.proof,
        registrar: { org: identity.operator, privateKey: identity.privateKey },
        at: ctx.clock(),
        id: `device-${keyId.replace(':', '-')}`,
        rawKey: true,
      });
      // Another process may have registered it: its key events reach this one when read.
      if (!ctx.ledger.registry.key(keyId)) await ctx.ledger.refreshRegistry();
      const existing = ctx.ledger.registry.key(keyId);
      const [receipt] = existing ? [undefined] : await ctx.ledger.submit([envelope]);
      await ctx.devices.registered(keyId, actor.user.id, org);
      const origin = originOf(request);
      await ctx.audit.append({
        at: ctx.clock().toISOString(),
        actor: actor.user.id,
        actorOrg: org,
        action: 'device.register',
        target: keyId,
        outcome: 'success',
        ip: origin.ip,
        details: { seq: receipt?.seq ?? null, again: existing !== undefined },
      });
      return reply.status(201).send({ keyId, seq: receipt?.seq ?? existing?.registeredAt ?? 0 });
    },
  );

  app.get(
    '/api/v1/devices',
    { config: { action: 'devices.read' }, schema: listDevicesSchema },
    async (request) => {
      const actor = request.actor;
      if (actor.kind === 'anonymous') throw new TruceError('UNAUTHENTICATED', 'log in first');
      const everyone = request.query.all === 'true' && actor.user.role === 'mediator';
      const devices = await ctx.devices.list(everyone ? undefined : actor.user.id);
      return { devices };
    },
  );

  app.post(
    '/api/v1/devices/:keyId/revoke',
    { config: { action: 'devices.revoke' }, schema: revokeDeviceSchema },
    async (request) =>
      ctx.devices.revoke(originOf(request), request.params.keyId, request.body.reason),
  );
}
