import { randomUUID } from 'node:crypto';
import {
  type Agreement,
  defaultNoticeRules,
  foldNotices,
  foldOptionsOf,
  type NoticeFold,
  type NoticeRules,
  type NoticeView,
  noticeRules,
  parseEvent,
  TruceError,
  type TruceEvent,
} from '@truce/core';
import type { RequestOrigin } from '../../accounts/accounts-service.js';
import type { Actor } from '../../accounts/model.js';
import type { AppContext } from '../../http/context.js';
import type { LedgerReceipt } from '../../ledger/index.js';
import { decodeEntry } from '../status/status-service.js';

const noticeTypes = new Set([
  'notice_sent',
  'notice_delivered',
  'notice_read',
  'notice_acknowledged',
  'notice_answered',
]);

const services = new WeakMap<AppContext, NoticesService>();

/** One notices service per server (the routes and the alerts worker share its cache). */
export function noticesOf(ctx: AppContext): NoticesService {
  let service = services.get(ctx);
  if (!service) {
    service = new NoticesService(ctx);
    services.set(ctx, service);
  }
  return service;
}

/**
 * Notices are events: sending, delivering, reading, acknowledging and answering each submit a
 * signed event through the events service (the user's organisation signs it). Their state is
 * the core's fold of those events, never stored; this service keeps the notice events read from
 * the ledger so far (a cache, fed by sequence number, as the status service keeps its evaluator).
 */
export class NoticesService {
  readonly #ctx: AppContext;
  readonly #events: TruceEvent[] = [];
  #next = 0;
  #reading: Promise<void> | undefined;

  /** The cell's own rules (TRUCE_NOTICE_RULES), for an agreement that sets none. */
  readonly #cellRules: NoticeRules;

  constructor(ctx: AppContext, env: Readonly<Record<string, string | undefined>> = process.env) {
    this.#ctx = ctx;
    this.#cellRules = cellNoticeRules(env.TRUCE_NOTICE_RULES);
  }

  /** Every notice event in the ledger, in ledger order. */
  async events(): Promise<readonly TruceEvent[]> {
    // One catch-up at a time; callers that arrive meanwhile share it.
    this.#reading ??= this.#catchUp().finally(() => {
      this.#reading = undefined;
    });
    await this.#reading;
    return this.#events;
  }

  async #catchUp(): Promise<void> {
    for (;;) {
      const entries = await this.#ctx.store.entries(this.#next, 2000);
      for (const entry of entries) {
        const { event } = decodeEntry(entry);
        if (noticeTypes.has(event.type)) this.#events.push(parseEvent(event));
        this.#next = entry.seq + 1;
      }
      if (entries.length < 2000) return;
    }
  }

  /** The current agreement (its last version), if any. */
  async agreement(): Promise<Agreement | undefined> {
    const id = await this.#ctx.agreements.currentId();
    if (id === undefined) return undefined;
    return (await this.#ctx.agreements.versions(id)).at(-1);
  }

  /** The fold at `asOf` (ms): every notice, its recipients' states, overdue and escalations. */
  async fold(asOf: number): Promise<NoticeFold> {
    const [events, agreement] = await Promise.all([this.events(), this.agreement()]);
    const options = agreement
      ? foldOptionsOf(agreement, asOf)
      : { asOf, rules: this.#cellRules, mediators: [], guarantors: [] };
    // The agreement's own rules win; where it sets none, the cell's settings apply.
    if (agreement && agreement.notices === undefined) options.rules = this.#cellRules;
    return foldNotices(events, options);
  }

  /** The notices `actor` may see: to, from or through their organisation; mediators see all. */
  visibleTo(actor: Actor, fold: NoticeFold): NoticeView[] {
    if (actor.kind === 'anonymous') return [];
    const { orgId, role } = actor.user;
    if (role === 'mediator') return fold.notices;
    return fold.notices.filter(
      (notice) => notice.from === orgId || notice.to.includes(orgId) || notice.via.includes(orgId),
    );
  }

  async send(
    origin: RequestOrigin,
    input: {
      notice?: string | undefined;
      occurredAt?: string | undefined;
      payload: Record<string, unknown>;
    },
    idempotencyKey: string | undefined,
  ): Promise<{ notice: string; receipt: LedgerReceipt }> {
    const notice = input.notice ?? `n-${randomUUID()}`;
    const receipt = await this.#ctx.events.submitOnBehalf(
      origin,
      {
        type: 'notice_sent',
        occurredAt: input.occurredAt ?? (await this.now()),
        payload: { ...input.payload, notice },
      },
      idempotencyKey,
    );
    return { notice, receipt };
  }

  /** Records delivered, read, acknowledged or answered for the user's organisation. */
  async record(
    origin: RequestOrigin,
    type: 'notice_delivered' | 'notice_read' | 'notice_acknowledged' | 'notice_answered',
    notice: string,
    payload: Record<string, unknown>,
    occurredAt: string | undefined,
    idempotencyKey: string | undefined,
  ): Promise<LedgerReceipt> {
    const actor = origin.actor;
    if (actor.kind === 'anonymous') throw new TruceError('UNAUTHENTICATED', 'log in first');
    const now = Date.parse(await this.now());
    const view = (await this.fold(now)).notices.find((n) => n.notice === notice);
    if (!view) {
      throw new TruceError('NOT_FOUND', `no notice ${notice}; list them with GET /api/v1/notices`);
    }
    const org = actor.user.orgId;
    if (type !== 'notice_delivered' && !view.to.includes(org)) {
      // The fold would ignore it; say so now rather than sign a record that changes nothing.
      throw new TruceError(
        'FORBIDDEN',
        `notice ${notice} is addressed to ${view.to.join(', ')}, not ${org}; only a recipient records that it read, acknowledged or answered it`,
      );
    }
    if (type === 'notice_delivered' && actor.user.role !== 'mediator' && org !== view.from) {
      throw new TruceError(
        'FORBIDDEN',
        `deliveries are recorded by the mediators or the sender (${view.from})`,
      );
    }
    return this.#ctx.events.submitOnBehalf(
      origin,
      {
        type,
        occurredAt: occurredAt ?? new Date(now).toISOString(),
        payload: { ...payload, notice },
      },
      idempotencyKey,
    );
  }

  /** The cell's now (the demo runs on the scenario's calendar), to the millisecond. */
  async now(): Promise<string> {
    return this.#ctx.domainClock().toISOString();
  }
}

/**
 * The cell's notice rules from the environment: JSON as the agreement's `notices` field, e.g.
 * `{"acknowledgeWithinHours":12,"escalate":[{"afterHours":12,"to":"mediators"}]}`. A value
 * that is not valid stops the server at start, with the problem.
 */
export function cellNoticeRules(text: string | undefined): NoticeRules {
  if (text === undefined || text.trim() === '') return defaultNoticeRules;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TruceError(
      'USAGE',
      'TRUCE_NOTICE_RULES is not JSON; see docs/AGREEMENT-FORMAT.md#notices',
    );
  }
  const parsed = noticeRules.safeParse(value);
  if (!parsed.success) {
    throw new TruceError(
      'USAGE',
      'TRUCE_NOTICE_RULES does not follow the notices rules of docs/AGREEMENT-FORMAT.md#notices',
      parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    );
  }
  return parsed.data;
}
