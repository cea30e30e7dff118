import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ledger, TruceError } from '@truce/core';
import { type LogIdentity, logIdentity } from './log-identity.js';
import { orgVerifierKey, proveKeyPossession } from './statements.js';

/**
 * Keys on disk. An organisation's key is `<org>.key` (PKCS#8 PEM, mode 0600) and `<org>.pub`
 * (its verifier key string, named after the organisation). The log's key lives in the data
 * folder, `ledger/log.key` with `ledger/log.json` (origin, operator, verifier key); with
 * DATABASE_URL the data folder still holds it: the database never sees a private key.
 */

export interface GeneratedKey {
  org: string;
  keyId: string;
  verifierKey: string;
  keyPath: string;
  pubPath: string;
  requestPath: string;
}

/**
 * What an organisation hands the operator to have its key registered: public material only,
 * with the proof of possession its private key signed (so the operator never needs the key).
 */
export interface RegistrationRequest {
  org: string;
  keyId: string;
  publicKey: string;
  proof: string;
}

function writePrivate(path: string, pem: string): void {
  writeFileSync(path, pem, { mode: 0o600, flag: 'wx' });
  // umask can only remove bits; be explicit anyway in case the file pre-existed with others.
  chmodSync(path, 0o600);
}

export function generateOrgKey(org: string, outDir: string): GeneratedKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  const keyId = ledger.keyIdFor(org, privateKey);
  mkdirSync(outDir, { recursive: true });
  const keyPath = join(outDir, `${org}.key`);
  const pubPath = join(outDir, `${org}.pub`);
  if (existsSync(keyPath)) {
    throw new TruceError('CONFLICT', `${keyPath} exists; remove it first or choose another --out`);
  }
  writePrivate(keyPath, privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
  const verifierKey = orgVerifierKey(org, privateKey);
  writeFileSync(pubPath, `${verifierKey}\n`);
  const requestPath = join(outDir, `${org}.registration.json`);
  const request: RegistrationRequest = {
    org,
    keyId,
    publicKey: verifierKey,
    proof: proveKeyPossession(org, keyId, verifierKey, privateKey),
  };
  writeFileSync(requestPath, `${JSON.stringify(request, null, 2)}\n`);
  return { org, keyId, verifierKey, keyPath, pubPath, requestPath };
}

export function readPrivateKey(path: string): KeyObject {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new TruceError(
      'USAGE',
      `cannot read the key ${path} (${(error as NodeJS.ErrnoException).code}); create it with \`truce keys generate\``,
    );
  }
  return ledger.ed25519PrivateKey(text);
}

interface LogConfig {
  origin: string;
  operator: string;
  logKey: string;
}

function ledgerDir(dataDir: string): string {
  return join(dataDir, 'ledger');
}

export function hasLogIdentity(dataDir: string): boolean {
  return existsSync(join(ledgerDir(dataDir), 'log.json'));
}

/** Creates the log key and configuration if absent; returns the identity either way. */
export function createLogIdentity(
  dataDir: string,
  options: { origin: string; operator: string },
): { identity: LogIdentity; created: boolean } {
  if (hasLogIdentity(dataDir)) return { identity: readLogIdentity(dataDir), created: false };
  const dir = ledgerDir(dataDir);
  mkdirSync(dir, { recursive: true });
  const { privateKey } = generateKeyPairSync('ed25519');
  const identity = logIdentity(options.origin, options.operator, privateKey);
  writePrivate(
    join(dir, 'log.key'),
    privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  );
  writeFileSync(join(dir, 'log.pub'), `${identity.verifierKey}\n`);
  const config: LogConfig = {
    origin: identity.origin,
    operator: identity.operator,
    logKey: identity.verifierKey,
  };
  writeFileSync(join(dir, 'log.json'), `${JSON.stringify(config, null, 2)}\n`);
  return { identity, created: true };
}

export function readLogIdentity(dataDir: string): LogIdentity {
  const dir = ledgerDir(dataDir);
  if (!hasLogIdentity(dataDir)) {
    throw new TruceError(
      'NOT_FOUND',
      `no log key in ${dir}; run \`truce ledger init --data ${dataDir}\` first`,
    );
  }
  const config = JSON.parse(readFileSync(join(dir, 'log.json'), 'utf8')) as LogConfig;
  const identity = logIdentity(
    config.origin,
    config.operator,
    readPrivateKey(join(dir, 'log.key')),
  );
  if (identity.verifierKey !== config.logKey) {
    throw new TruceError('LEDGER_KEY_INVALID', `${dir}/log.key is not the key named in log.json`);
  }
  return identity;
}
