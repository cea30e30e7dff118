import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { TruceError } from '@truce/core';
import type { SecurityKey } from './accounts-repository.js';
import { secretHash } from './secrets.js';

/**
 * WebAuthn (security keys and passkeys) as a second factor, with SimpleWebAuthn doing the
 * protocol: CBOR and COSE decoding, the attestation and assertion checks. This file decides what
 * truce asks for and accepts:
 * - the relying party is the cell's host name: `TRUCE_PUBLIC_ORIGIN` when set (production, behind
 *   TLS), else the origin the request came to (development on localhost);
 * - no attestation (`none`): the cell does not restrict makes of keys, and attestation would
 *   identify the device;
 * - user verification preferred, not required: a plain security key (touch, no PIN) is accepted,
 *   as the password is the other factor;
 * - Ed25519, ES256 and RS256 keys (COSE -8, -7, -257), the ones authenticators use.
 */

export interface RelyingParty {
  /** The host name keys are made for and sign for. */
  id: string;
  name: string;
  /** The origins (scheme, host, port) a browser may be on when it uses a key. */
  origins: string[];
}

/** Challenges live this long (ms): the time to touch the key, with room for a slow network. */
export const challengeLifetimeMs = 5 * 60_000;
const timeoutMs = 2 * 60_000;
const algorithms = [-8, -7, -257];

/**
 * The relying party of a request: the configured public origin, else the request's own origin.
 * Either way a key only ever signs for the host it was made on, which is what stops a phishing
 * site from relaying a login.
 */
export function relyingPartyOf(configuredOrigin: string | undefined, requestOrigin: string) {
  const origin = new URL(configuredOrigin ?? requestOrigin).origin;
  return { id: new URL(origin).hostname, name: 'truce', origins: [origin] } satisfies RelyingParty;
}

/** Challenges are stored as SHA-256, like every other secret handed out. */
export function challengeHash(challenge: string): string {
  return secretHash(`truce/webauthn-challenge/v1|${challenge}`);
}

/** The challenge an authenticator's answer says it signed (its client data), if readable. */
export function challengeOf(response: { response?: { clientDataJSON?: unknown } }): string {
  const encoded = response.response?.clientDataJSON;
  try {
    if (typeof encoded !== 'string') throw new Error('no client data');
    const data = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as {
      challenge?: unknown;
    };
    if (typeof data.challenge !== 'string' || data.challenge === '') throw new Error('none');
    return data.challenge;
  } catch {
    throw invalidResponse('its client data has no challenge');
  }
}

function invalidResponse(reason: string): TruceError {
  return new TruceError('VALIDATION_FAILED', `the security key's answer is not valid: ${reason}`);
}

export function registrationOptions(
  rp: RelyingParty,
  user: { id: string; email: string },
  existing: readonly SecurityKey[],
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.email,
    userID: new TextEncoder().encode(user.id),
    userDisplayName: user.email,
    timeout: timeoutMs,
    attestationType: 'none',
    // The same key twice would be one factor counted twice.
    excludeCredentials: existing.map((key) => ({ id: key.id, transports: key.transports })),
    // A key that can keep the credential does (a passkey): it can then sign in alone, with its
    // PIN or biometric; one that cannot is a second factor after the password.
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    // The browser then says whether it did keep it (clientExtensionResults.credProps.rk).
    extensions: { credProps: true },
    supportedAlgorithmIDs: algorithms,
  });
}

/** Checks a new key's answer to `challenge`; its credential, to store. */
export async function verifyRegistration(
  rp: RelyingParty,
  response: RegistrationResponseJSON,
  challenge: string,
): Promise<{
  id: string;
  publicKey: Uint8Array;
  counter: number;
  transports: string[];
  discoverable: boolean | undefined;
}> {
  let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      requireUserVerification: false,
      supportedAlgorithmIDs: algorithms,
    });
  } catch (error) {
    throw invalidResponse((error as Error).message);
  }
  if (!verified.verified) throw invalidResponse('it does not verify');
  const { credential } = verified.registrationInfo;
  return {
    id: credential.id,
    publicKey: new Uint8Array(credential.publicKey),
    counter: credential.counter,
    transports: credential.transports ?? [],
    // Reported by the browser, outside the signed data: a label for the account page, never
    // a reason to let the key sign in alone (a passkey login checks user verification itself).
    discoverable: discoverableOf(response),
  };
}

function discoverableOf(response: RegistrationResponseJSON): boolean | undefined {
  const rk = (response.clientExtensionResults as { credProps?: { rk?: unknown } } | undefined)
    ?.credProps?.rk;
  return typeof rk === 'boolean' ? rk : undefined;
}

export function authenticationOptions(
  rp: RelyingParty,
  keys: readonly SecurityKey[],
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: rp.id,
    allowCredentials: keys.map((key) => ({ id: key.id, transports: key.transports })),
    timeout: timeoutMs,
    userVerification: 'preferred',
  });
}

/**
 * Options for a login with a passkey alone: no key named (the authenticator offers the ones it
 * keeps for this host), and user verification required — the key's PIN or biometric is the
 * second factor that the password is otherwise.
 */
export function passkeyOptions(rp: RelyingParty): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: rp.id,
    allowCredentials: [],
    timeout: timeoutMs,
    userVerification: 'required',
  });
}

/**
 * Checks a key's signature over `challenge` (not its counter: `useSecurityKey` does); the key's
 * new signature counter.
 */
export async function verifyAuthentication(
  rp: RelyingParty,
  response: AuthenticationResponseJSON,
  key: SecurityKey,
  challenge: string,
  requireUserVerification = false,
): Promise<number> {
  let verified: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origins,
      expectedRPID: key.rpId,
      // The counter is checked by the caller, in the database, atomically with its update (two
      // logins racing with answers of one counter: one wins) and audited as a possible clone.
      credential: {
        id: key.id,
        publicKey: new Uint8Array(key.publicKey),
        counter: 0,
        transports: key.transports,
      },
      requireUserVerification,
    });
  } catch (error) {
    throw invalidResponse((error as Error).message);
  }
  if (!verified.verified) throw invalidResponse('its signature does not verify');
  return verified.authenticationInfo.newCounter;
}

export type { AuthenticationResponseJSON, RegistrationResponseJSON };
