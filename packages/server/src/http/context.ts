import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AccountsService, RequestOrigin } from '../accounts/accounts-service.js';
import type { Actor } from '../accounts/model.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Ledger } from '../ledger/index.js';
import type { PersonsService } from '../persons/persons-service.js';
import type { Action } from '../policies/matrix.js';
import type { AgreementsService } from '../routes/agreements/agreements-service.js';
import type { EventsService } from '../routes/events/events-service.js';
import type { StatusService } from '../routes/status/status-service.js';
import type { SqlDriver, Store } from '../store/index.js';
import type { ServerConfig } from './config.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The policy action of the route (policies/matrix.ts); every route must name one. */
    action?: Action;
  }
  interface FastifyRequest {
    actor: Actor;
  }
}

/** Everything the handlers call: built once per server from the store and the ledger. */
export interface AppContext {
  store: Store;
  db: SqlDriver;
  ledger: Ledger;
  accounts: AccountsService;
  audit: AuditLog;
  agreements: AgreementsService;
  events: EventsService;
  status: StatusService;
  /** Personal data of persons in exchanges, encrypted per field (persons/). */
  persons: PersonsService;
  config: ServerConfig;
  clock: () => Date;
  /** Aborted when the server is closing: open streams end. */
  closing: AbortSignal;
  /** Every route and its policy action, for the authorization matrix test. */
  routes: { method: string; url: string; action: Action }[];
}

export type TruceApp = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** The audit fields of a request. */
export function originOf(request: { actor: Actor; ip: string }): RequestOrigin {
  return { actor: request.actor, ip: request.ip };
}
