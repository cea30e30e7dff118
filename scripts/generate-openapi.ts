import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openApiDocument } from '../packages/server/src/http/openapi.js';

/**
 * Writes docs/openapi.json from the routes' zod schemas. Committed; the test in
 * packages/server/src/http/openapi.test.ts fails when it is stale.
 *
 *     npm run generate:openapi
 */
const path = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));
writeFileSync(path, await openApiDocument());
process.stdout.write(`wrote ${path}\n`);
