import { readFileSync } from 'node:fs';
import { TruceError } from '@truce/core';
import type { FastifyServerOptions } from 'fastify';
import type { Mailer } from '../alerts/smtp.js';
import { createLogIdentity, Ledger } from '../ledger/index.js';
import { openStore, type Store } from '../store/index.js';
import { isLoopbackHost, type ServerConfig } from './config.js';
import type { TruceApp } from './context.js';
import { buildServer } from './server.js';
import { loadWebAssets } from './web.js';

export interface StartOptions {
  dataDir: string;
  databaseUrl?: string;
  host: string;
  port: number;
  origin?: string;
  operator?: string;
  /** Agreement files uploaded at start when not stored yet (for demos and first runs). */
  agreementFiles?: readonly string[];
  config?: Partial<ServerConfig>;
  logger?: FastifyServerOptions['logger'];
  clock?: () => Date;
  /** The cell's domain clock when it is not the real one (buildServer's `domainClock`). */
  domainClock?: () => Date;
  /** The built dashboard folder (default packages/web/dist); false: serve the API alone. */
  webDir?: string | false;
  /** Account e-mail (lockout notices, reset links); default: from `TRUCE_SMTP_URL`. */
  mailer?: Mailer | undefined;
}

export interface RunningServer {
  app: TruceApp;
  url: string;
  store: Store;
  ledger: Ledger;
  /** Whether the built dashboard is served at `/` (false: the API alone). */
  webServed: boolean;
  /** The log's verifier key when this start created the log. */
  createdLogKey: string | undefined;
  /** Stops taking requests, ends streams, signs a last checkpoint, closes the store. */
  close(): Promise<void>;
}

/** Opens store and ledger, builds the server and listens: `truce serve` and the tests. */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  const { identity, created } = createLogIdentity(options.dataDir, {
    origin: options.origin ?? 'truce.local/log',
    operator: options.operator ?? 'operator',
  });
  const store = await openStore({
    dataDir: options.dataDir,
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
  });
  const web = options.webDir === false ? undefined : loadWebAssets(options.webDir);
  let ledger: Ledger | undefined;
  let app: TruceApp | undefined;
  try {
    ledger = await Ledger.open(store, identity, options.clock ? { now: options.clock } : {});
    app = await buildServer({
      ledger,
      dataDir: options.dataDir,
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.domainClock ? { domainClock: options.domainClock } : {}),
      ...(options.logger !== undefined ? { logger: options.logger } : {}),
      web,
      ...('mailer' in options ? { mailer: options.mailer } : {}),
      // Browsers drop Secure cookies over plain http except on localhost, where they allow them.
      config: { secureCookies: !isLoopbackHost(options.host), ...options.config },
    });
    for (const file of options.agreementFiles ?? []) {
      await app.truce.agreements.upload(
        { actor: { kind: 'anonymous' }, ip: undefined },
        readFileSync(file, 'utf8'),
      );
    }
    const url = await app
      .listen({ host: options.host, port: options.port })
      .catch((error: unknown) => throwListenError(error, options.host, options.port));
    const opened = { app, ledger };
    let closed: Promise<void> | undefined;
    return {
      app,
      url,
      store,
      ledger,
      webServed: web !== undefined,
      createdLogKey: created ? identity.verifierKey : undefined,
      close: () => {
        closed ??= (async () => {
          try {
            await opened.app.close();
            await opened.ledger.close();
          } finally {
            await store.close();
          }
        })();
        return closed;
      },
    };
  } catch (error) {
    await app?.close().catch(() => undefined);
    await ledger?.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw error;
  }
}

/**
 * A port that cannot be had is the user's to fix (another program on it, a privileged port), not
 * a bug of truce: said plainly, with what to do.
 */
function throwListenError(error: unknown, host: string, port: number): never {
  const code = (error as { code?: unknown }).code;
  const where = `${host}:${port}`;
  if (code === 'EADDRINUSE') {
    throw new TruceError(
      'USAGE',
      `${where} is already in use by another program: stop it, or choose another port with --port N (or PORT=N)`,
    );
  }
  if (code === 'EACCES') {
    throw new TruceError(
      'USAGE',
      `this user may not listen on ${where}: choose a port above 1023 with --port N (or PORT=N)`,
    );
  }
  if (code === 'EADDRNOTAVAIL') {
    throw new TruceError(
      'USAGE',
      `${host} is not an address of this machine: choose one with --host H (127.0.0.1 for this machine only)`,
    );
  }
  throw error;
}
