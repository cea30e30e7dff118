import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateSchemas } from '../scripts/generate-schemas.js';

/**
 * Generated files are committed so that editors and reviewers see them without a build; this
 * test is what keeps them honest when a zod schema changes and nobody regenerates.
 */
const root = new URL('../', import.meta.url);

function committed(path: string): string | undefined {
  try {
    return readFileSync(new URL(path, root), 'utf8');
  } catch {
    return undefined;
  }
}

describe('generated files are up to date', () => {
  for (const file of generateSchemas()) {
    it(file.path, () => {
      expect(
        committed(file.path),
        `${file.path} is stale or missing: run npm run generate:schemas and commit the result`,
      ).toBe(file.text);
    });
  }
});
