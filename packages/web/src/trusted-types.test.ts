import { describe, expect, it } from 'vitest';
import { allowedScriptUrl } from './trusted-types.ts';

describe('the Trusted Types rule for script URLs', () => {
  const origin = 'http://localhost:8080';
  it("allows this origin's scripts and the blob: URLs the page made", () => {
    expect(allowedScriptUrl('/sw.js', origin)).toBe(true);
    expect(allowedScriptUrl('http://localhost:8080/assets/map.js', origin)).toBe(true);
    expect(
      allowedScriptUrl('blob:http://localhost:8080/0b6f7c1e-7a2e-4a0c-9d39-5d1f0c1b2f10', origin),
    ).toBe(true);
  });
  it('refuses any other origin, data: and javascript: URLs, and blobs of other origins', () => {
    for (const url of [
      'https://evil.example/x.js',
      '//evil.example/x.js',
      'data:text/javascript,alert(1)',
      'javascript:alert(1)',
      'blob:https://evil.example/0b6f7c1e',
      'http://localhost:8081/sw.js',
    ]) {
      expect(allowedScriptUrl(url, origin)).toBe(false);
    }
  });
});
