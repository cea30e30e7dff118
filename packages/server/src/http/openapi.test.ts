import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { freshPgliteFolder } from '../store/testing/fixtures.js';
import { openApiDocument } from './openapi.js';

describe('docs/openapi.json', () => {
  it('is what the routes generate (run `npm run generate:openapi` when this fails)', async () => {
    const committed = readFileSync(
      new URL('../../../../docs/openapi.json', import.meta.url),
      'utf8',
    );
    // A copied template database: seconds faster than a new one.
    const generated = await openApiDocument(await freshPgliteFolder());
    expect(
      committed === generated,
      'docs/openapi.json is stale: run npm run generate:openapi',
    ).toBe(true);
    const document = JSON.parse(generated);
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toContain('/api/v1/events');
  }, 120_000);
});
