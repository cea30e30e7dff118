import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogIdentity, Ledger } from '../ledger/index.js';
import { openPgliteStore } from '../store/index.js';
import { buildServer } from './server.js';

/**
 * The OpenAPI 3.1 document, generated from the routes' zod schemas by building the real server
 * on a throwaway database (the document is the same whatever the data). Served at
 * /docs/openapi.json; committed as docs/openapi.json by `npm run generate:openapi`.
 */
export async function openApiDocument(
  dataDir: string = mkdtempSync(join(tmpdir(), 'truce-openapi-')),
): Promise<string> {
  const store = await openPgliteStore({ dataDir, durability: 'process-crash' });
  try {
    const { identity } = createLogIdentity(dataDir, {
      origin: 'truce.local/log',
      operator: 'operator',
    });
    const ledger = await Ledger.open(store, identity);
    const app = await buildServer({ ledger, dataDir, logger: false });
    const document = app.swagger();
    await app.close();
    await ledger.close();
    return `${JSON.stringify(document, null, 2)}\n`;
  } finally {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
