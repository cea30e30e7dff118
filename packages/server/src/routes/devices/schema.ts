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
