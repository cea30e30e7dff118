import { z } from 'zod';

const rawKey = z
  .string()
  .regex(/^[A-Za-z0-9+/]{43}=$/)
  .describe('the Ed25519 public key: its 32 raw bytes in base64');

const challenge = z.object({
  org: z.string(),
  keyId: z.string(),
  publicKey: z.string(),
  statement: z
    .string()
    .describe(
      'base64url of the bytes the new key signs to prove possession (JCS of truce/key-possession/v1)',
    ),
});

export const deviceChallengeSchema = {
  tags: ['devices'],
  summary: "What a device's new key signs to be registered for the user's organisation",
  description:
    "Step 1 of 2. A device (a browser) that signs its own reports makes an Ed25519 key it never exports, sends the public half here, signs the returned statement with the private half, and sends the proof to POST /api/v1/devices. The key then signs for the user's organisation, like any key the organisation registered: envelopes it signs are submitted with POST /api/v1/events/signed, also after the device was offline.",
  body: z.object({ publicKey: rawKey }),
  response: { 200: challenge },
};

export const registerDeviceSchema = {
  tags: ['devices'],
  summary: "Register a device's key for the user's organisation in the log",
  description:
    "Step 2 of 2. The operator registers the key (a key_registered event in the log, with the device's proof of possession); the audit log says which user asked. Registering the same key again answers the same registration.",
  body: z.object({ publicKey: rawKey, proof: z.string().regex(/^[A-Za-z0-9_-]{86}$/) }),
  response: { 201: z.object({ keyId: z.string(), seq: z.number().int() }) },
};

const deviceKey = z.object({
  keyId: z.string(),
  userId: z.string(),
  orgId: z.string(),
  registeredAt: z.string(),
  revokedAt: z.string().optional().describe('when it was revoked: what it signs since is refused'),
});

export const listDevicesSchema = {
  tags: ['devices'],
  summary: 'The device keys that sign your reports (a mediator, with all=true: everyone’s)',
  querystring: z.object({
    all: z
      .enum(['true', 'false'])
      .default('false')
      .describe('a mediator: every user’s device keys, not only one’s own'),
  }),
  response: { 200: z.object({ devices: z.array(deviceKey) }) },
};

export const revokeDeviceSchema = {
  tags: ['devices'],
  summary: 'Revoke a device key (a lost or stolen device)',
  description:
    "The log operator revokes the key in the ledger (key_revoked, with the reason): whatever the device signs afterwards is refused, whoever relays it. Its own user may, and a mediator; for anyone else the key does not exist (404). A mediator disabling a user revokes all of that user's device keys.",
  params: z.object({ keyId: z.string().regex(/^[a-z0-9][a-z0-9._-]*:[0-9a-f]{16}$/) }),
  body: z.object({ reason: z.string().trim().min(1).max(200).default('lost or stolen device') }),
  response: { 200: deviceKey },
};
