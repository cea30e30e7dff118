import { describe, expect, it } from 'vitest';
import { passwordProblem } from './secrets.js';

describe('passwordProblem (ASVS v5 6.2)', () => {
  it('takes passphrases and refuses short, over-long and easily guessed passwords', () => {
    for (const good of [
      'a long enough test passphrase',
      'correct horse battery staple',
      'Kerem Shalom 2025, north gate',
      'ثلاث كلمات عربية طويلة',
    ]) {
      expect(passwordProblem(good), good).toBeUndefined();
    }
    expect(passwordProblem('short one')).toMatch(/at least 12/);
    expect(passwordProblem('x'.repeat(129))).toMatch(/at most 128/);
    // Common leaked passwords, repeats, sequences and keyboard walks of 12 characters or more.
    for (const guessable of [
      'qwerty123456',
      '1q2w3e4r5t6y',
      'passwordpassword',
      'aaaaaaaaaaaaaaaa',
      '123456789012',
      'abcdefghijklmnop',
      'qazwsxedcrfv',
    ]) {
      expect(passwordProblem(guessable), guessable).toMatch(/too easy to guess/);
    }
    // The account's own e-mail is a guess an attacker makes first.
    expect(passwordProblem('liaison.one@example.org')).toBeUndefined();
    expect(passwordProblem('liaison.one@example.org', ['liaison.one@example.org'])).toMatch(
      /too easy to guess/,
    );
  });
});
