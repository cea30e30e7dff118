import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

/**
 * A WebAuthn authenticator in software, for tests: an Ed25519 key (COSE -8), no attestation
 * (`none`), a signature counter. It answers the server's options as a browser with a security
 * key would (the JSON of `PublicKeyCredential.toJSON()`), and can be told to misbehave: answer
 * for another origin, keep its counter, sign with another key.
 */
export class SoftAuthenticator {
  readonly id = randomBytes(16);
  readonly #key: { privateKey: KeyObject; publicKey: KeyObject };
  counter = 0;

  constructor(
    readonly origin: string,
    readonly rpId: string = new URL(origin).hostname,
  ) {
    this.#key = generateKeyPairSync('ed25519');
  }

  get credentialId(): string {
    return this.id.toString('base64url');
  }

  /** The answer to registration options (`navigator.credentials.create`). */
  /**
   * The answer to registration options (`navigator.credentials.create`); `keeps` is what the
   * browser reports of it through credProps when the options ask (a passkey or not).
   */
  register(
    options: { challenge: string; extensions?: { credProps?: boolean } },
    as: { origin?: string; keeps?: boolean } = {},
  ) {
    const clientData = this.#clientData('webauthn.create', options.challenge, as.origin);
    const raw = this.#key.publicKey.export({ format: 'jwk' }).x ?? '';
    const cose = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 1], // kty: OKP
        [3, -8], // alg: EdDSA
        [-1, 6], // crv: Ed25519
        [-2, Buffer.from(raw, 'base64url')],
      ]),
    );
    const attested = Buffer.concat([
      Buffer.alloc(16), // AAGUID: none
      Buffer.from([this.id.length >> 8, this.id.length & 0xff]),
      this.id,
      Buffer.from(cose),
    ]);
    const authData = Buffer.concat([this.#authData(0x41), attested]); // user present, attested
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Map<number, number> | Uint8Array>([
        ['fmt', 'none'],
        ['attStmt', new Map<number, number>()],
        ['authData', authData],
      ]),
    );
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key' as const,
      response: {
        clientDataJSON: clientData.toString('base64url'),
        attestationObject: Buffer.from(attestationObject).toString('base64url'),
        transports: ['usb'],
      },
      clientExtensionResults:
        options.extensions?.credProps && as.keeps !== undefined
          ? { credProps: { rk: as.keeps } }
          : {},
    };
  }

  /**
   * The answer to authentication options (`navigator.credentials.get`). The counter goes up by
   * one unless `keepCounter`; `signWith` signs with another key (a forgery).
   */
  answer(
    options: { challenge: string },
    as: {
      origin?: string;
      keepCounter?: boolean;
      signWith?: KeyObject;
      /** The user entered the key's PIN or biometric (flag UV). */
      userVerified?: boolean;
      /** The account the key was made for, as a passkey answers (base64url). */
      userHandle?: string;
    } = {},
  ) {
    if (!as.keepCounter) this.counter += 1;
    const clientData = this.#clientData('webauthn.get', options.challenge, as.origin);
    // User present; verified too when asked.
    const authData = this.#authData(as.userVerified ? 0x05 : 0x01);
    const signature = sign(
      null,
      Buffer.concat([authData, createHash('sha256').update(clientData).digest()]),
      as.signWith ?? this.#key.privateKey,
    );
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key' as const,
      response: {
        clientDataJSON: clientData.toString('base64url'),
        authenticatorData: authData.toString('base64url'),
        signature: signature.toString('base64url'),
        ...(as.userHandle !== undefined ? { userHandle: as.userHandle } : {}),
      },
      clientExtensionResults: {},
    };
  }

  #clientData(type: string, challenge: string, origin = this.origin): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  #authData(flags: number): Buffer {
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(this.counter);
    return Buffer.concat([
      createHash('sha256').update(this.rpId).digest(),
      Buffer.from([flags]),
      counter,
    ]);
  }
}
