import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from './config.js';

describe('isLoopbackHost', () => {
  it('knows this machine by name and address, IPv6 with or without brackets', () => {
    for (const host of ['localhost', 'LOCALHOST', '127.0.0.1', '::1', '[::1]']) {
      expect(isLoopbackHost(host)).toBe(true);
    }
  });
  it('refuses every other host, including look-alikes', () => {
    for (const host of [
      '0.0.0.0',
      '127.0.0.2',
      'localhost.evil.example',
      'evil.example',
      '[::2]',
      '',
    ]) {
      expect(isLoopbackHost(host)).toBe(false);
    }
  });
});
