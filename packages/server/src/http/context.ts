import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AccountsService, RequestOrigin } from '../accounts/accounts-service.js';
import type { DeviceKeys } from '../accounts/device-keys.js';
import type { Actor } from '../accounts/model.js';
import type { OrgKeys } from '../accounts/org-keys.js';
import type { Mailer } from '../alerts/smtp.js';
import type { AuditAnchorer } from '../audit/audit-anchor.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { AuditShipper } from '../audit/audit-shipping.js';
import type { BlobRegistry } from '../blobs/blob-registry.js';
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
  /** The keys the server holds for organisations that report through it (HXL imports sign with them). */
  orgKeys: OrgKeys;
  status: StatusService;
  /** Personal data of persons in exchanges, encrypted per field (persons/). */
  persons: PersonsService;
  /** Evidence files and zone layers, by SHA-256 (blobs/). */
  blobs: BlobRegistry;
  config: ServerConfig;
  clock: () => Date;
  /** The cell's "now" for the domain (buildServer's `domainClock`): default asOf of queues. */
  domainClock: () => Date;
  /** Aborted when the server is closing: open streams end. */
  closing: AbortSignal;
  /** How e-mail leaves (alerts, account notices); none when the cell sends no e-mail. */
  mailer: Mailer | undefined;
  /** Anchors the audit log's chain head in the ledger (audit/audit-anchor.ts). */
  auditAnchor: AuditAnchorer;
  /** The users' device keys, revoked when their user is disabled (accounts/device-keys.ts). */
  devices: DeviceKeys;
  /** Ships the audit log to the configured collector (audit/audit-shipping.ts); none if unset. */
  auditShipper: AuditShipper | undefined;
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
