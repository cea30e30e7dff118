import { generateKeyPairSync, sign } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type SignatureCheck, SignatureVerifier } from './verifier.js';

const ed = () => generateKeyPairSync('ed25519');
const alice = ed();
const bob = ed();

function check(text: string, key = alice, signer = key): SignatureCheck {
  const bytes = new TextEncoder().encode(text);
  return { bytes, publicKey: key.publicKey, signature: sign(null, bytes, signer.privateKey) };
}

function flipped(signature: Uint8Array, at: number): Uint8Array {
  const copy = Uint8Array.from(signature);
  copy[at] = (copy[at] ?? 0) ^ 1;
  return copy;
}

/** Valid and invalid checks mixed, with the answer each must get. */
function mixed(count: number): { checks: SignatureCheck[]; expected: boolean[] } {
  const checks: SignatureCheck[] = [];
  const expected: boolean[] = [];
  for (let i = 0; i < count; i++) {
    const good = check(`message ${i} ${'x'.repeat(i % 300)}`, i % 2 ? alice : bob);
    switch (i % 5) {
      case 1: // signature altered
        checks.push({ ...good, signature: flipped(good.signature, i % 64) });
        expected.push(false);
        break;
      case 2: // signed by another key than the one named
        checks.push(check(`message ${i}`, alice, bob));
        expected.push(false);
        break;
      case 3: // bytes altered after signing
        checks.push({ ...good, bytes: flipped(good.bytes, 0) });
        expected.push(false);
        break;
      default:
        checks.push(good);
        expected.push(true);
    }
  }
  return { checks, expected };
}

describe('SignatureVerifier', () => {
  const verifiers: SignatureVerifier[] = [];
  const verifier = (threads?: number) => {
    const created = new SignatureVerifier(threads);
    verifiers.push(created);
    return created;
  };
  afterEach(async () => {
    await Promise.all(verifiers.splice(0).map((v) => v.close()));
  });

  it('verifies on its threads, one answer per check, in order', async () => {
    const subject = verifier(2);
    expect(subject.threads).toBe(2);
    const { checks, expected } = mixed(100);
    expect(await subject.verifyAll(checks)).toEqual(expected);
  });

  it('answers each caller of a turn with its own checks', async () => {
    const subject = verifier(2);
    const groups = Array.from({ length: 40 }, (_, i) => mixed(1 + (i % 7)));
    const answers = await Promise.all(groups.map(({ checks }) => subject.verifyAll(checks)));
    expect(answers).toEqual(groups.map(({ expected }) => expected));
  });

  it('never takes a malformed check as valid', async () => {
    const subject = verifier(1);
    const good = check('hello');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const answers = await subject.verifyAll([
      { ...good, signature: good.signature.subarray(0, 63) },
      { ...good, signature: new Uint8Array(65) },
      { ...good, signature: new Uint8Array(64) },
      { ...good, publicKey: rsa.publicKey },
      { ...good, bytes: new Uint8Array() },
      good,
    ]);
    expect(answers).toEqual([false, false, false, false, false, true]);
  });

  it('hands the checks of a thread that dies to libuv’s pool, with the same answers', async () => {
    const subject = verifier(2);
    const { checks, expected } = mixed(64);
    const answered = subject.verifyAll(checks);
    await subject.crashThread(0);
    expect(await answered).toEqual(expected);
    expect(subject.threads).toBe(1);
    await subject.crashThread(0);
    expect(subject.threads).toBe(0);
    // No thread left: the pool verifies everything.
    expect(await subject.verifyAll(checks)).toEqual(expected);
  });
});

describe('SignatureVerifier in a process with nothing else to wait for', () => {
  it('keeps the process alive until its answers come, and lets it exit when idle', async () => {
    const { spawnSync } = await import('node:child_process');
    const here = new URL('.', import.meta.url).pathname;
    const script = `
      import { generateKeyPairSync, sign } from 'node:crypto';
      import { SignatureVerifier } from ${JSON.stringify(`${here}verifier.ts`)};
      const { publicKey, privateKey } = generateKeyPairSync('ed25519');
      const bytes = new TextEncoder().encode('hello');
      const verifier = new SignatureVerifier(1);
      const checks = Array.from({ length: 200 }, () => ({ bytes, publicKey, signature: sign(null, bytes, privateKey) }));
      const valid = await verifier.verifyAll(checks);
      console.log('answered', valid.filter(Boolean).length);
    `;
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(child.stderr).toBe('');
    // Answered (the process waited for the threads), then exited by itself (idle threads do not
    // hold it: spawnSync would have timed out).
    expect(child.stdout.trim()).toBe('answered 200');
    expect(child.status).toBe(0);
  });
});
