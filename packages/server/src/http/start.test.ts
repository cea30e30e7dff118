import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { freshPgliteFolder } from '../store/testing/fixtures.js';
import { startServer } from './start.js';

/** `truce serve` and `npm start` where the port cannot be had: the user's to fix, said plainly. */

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

async function occupiedPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

describe('starting the server where it cannot listen', () => {
  it('names a port in use and what to do, and leaves the data folder free for the next try', async () => {
    const dataDir = await freshPgliteFolder();
    folders.push(dataDir);
    const { server, port } = await occupiedPort();
    try {
      await expect(
        startServer({ dataDir, host: '127.0.0.1', port, webDir: false, logger: false }),
      ).rejects.toMatchObject({
        code: 'USAGE',
        message: `127.0.0.1:${port} is already in use by another program: stop it, or choose another port with --port N (or PORT=N)`,
      });
    } finally {
      server.close();
    }
    // The failed start closed the store: the folder's lock is free.
    const started = await startServer({
      dataDir,
      host: '127.0.0.1',
      port: 0,
      webDir: false,
      logger: false,
    });
    expect(started.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await started.close();
  }, 60_000);

  it('names an address that is not this machine', async () => {
    const dataDir = await freshPgliteFolder();
    folders.push(dataDir);
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this machine.
    await expect(
      startServer({ dataDir, host: '192.0.2.1', port: 0, webDir: false, logger: false }),
    ).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('--host H') });
  }, 60_000);
});
