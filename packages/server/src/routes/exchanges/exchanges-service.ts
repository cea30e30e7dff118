import { randomUUID } from 'node:crypto';
import {
  type Agreement,
  buildRegister,
  checkList,
  type KnownPerson,
  type ListProblem,
  parseEvent,
  type Register,
  type RegisterIssue,
  type TruceEvent,
} from '@truce/core';
import type { RequestOrigin } from '../../accounts/accounts-service.js';
import type { AppContext } from '../../http/context.js';
import { readDomainEvents } from '../../ledger/domain-events.js';
import type { LedgerReceipt } from '../../ledger/index.js';
import {
  dayWindow,
  handoverSheetCsv,
  personsHandedOverOn,
} from '../../presenters/handover-sheet.js';
import { suppressSmallCells } from '../../presenters/small-cells.js';

/** The event types the register folds, and the revisions that may change them. */
const registerTypes = [
  'person_registered',
  'names_list_delivered',
  'hostage_released',
  'prisoner_released',
  'remains_returned',
  'handover_step',
  'remains_identified',
  'correction',
  'retraction',
];

/**
 * What the register needs of the cell: the ledger's store, the agreements, the events service
 * that signs reports for an organisation, and the clocks. The HTTP API passes its context; the
 * CLI builds these over the data folder.
 */
export type ExchangesContext = Pick<AppContext, 'store' | 'agreements' | 'events' | 'clock'> &
  Partial<Pick<AppContext, 'domainClock'>>;

/** The cell's "now" for the domain: the server's domain clock when it has one (the demo's). */
export function domainNow(ctx: ExchangesContext): Date {
  return (ctx.domainClock ?? ctx.clock)();
}

/**
 * The exchange register on the server: the ledger's exchange events folded by the core's
 * register (packages/core/src/exchange), lists and handover steps submitted on behalf of the
 * signed-in user's organisation (signed by its key, like any report), and the handover sheet.
 */
export class ExchangesService {
  readonly #ctx: ExchangesContext;
  #cache: { events: TruceEvent[]; nextSeq: number } = { events: [], nextSeq: 0 };

  constructor(ctx: ExchangesContext) {
    this.#ctx = ctx;
  }

  async #agreement(): Promise<Agreement | undefined> {
    const { currentId } = await this.#ctx.agreements.state();
    if (currentId === undefined) return undefined;
    return (await this.#ctx.agreements.versions(currentId)).at(-1);
  }

  /**
   * The exchange events of the ledger and the revisions among them, in log order: index reads of
   * the entries labelled `exchange` and `revisions`, kept by position (a disposable cache).
   */
  async events(): Promise<TruceEvent[]> {
    const size = await this.#ctx.store.size();
    const from = this.#cache.nextSeq;
    if (size > from) {
      const events = await readDomainEvents(
        this.#ctx.store,
        ['exchange', 'revisions'],
        from,
        size,
        registerTypes,
      );
      // Concurrent readers may both catch up: only one that read on from where the cache still
      // stands appends, so no event is added twice.
      if (this.#cache.nextSeq === from) {
        this.#cache = { events: [...this.#cache.events, ...events], nextSeq: size };
      }
    }
    return this.#cache.events;
  }

  async register(
    asOf?: string,
    candidate?: TruceEvent,
  ): Promise<{ register: Register; agreement: Agreement | undefined }> {
    const agreement = await this.#agreement();
    const mediators = (agreement?.parties ?? [])
      .filter((p) => p.roles.includes('mediator'))
      .map((p) => p.id);
    const events = await this.events();
    const register = buildRegister(candidate ? [...events, candidate] : events, {
      mediators,
      asOf: asOf ?? domainNow(this.#ctx).toISOString(),
    });
    return { register, agreement };
  }

  /** The register as of a report: when it happened, or now if it is reported late. */
  #asOfReport(occurredAt: string): string {
    return new Date(Math.max(Date.parse(occurredAt), domainNow(this.#ctx).getTime())).toISOString();
  }

  async #submit(
    origin: RequestOrigin,
    event: Record<string, unknown>,
  ): Promise<{ receipt: LedgerReceipt; eventId: string }> {
    const org = origin.actor.kind === 'anonymous' ? 'anonymous' : origin.actor.user.orgId;
    const eventId = `${org}-${randomUUID()}`;
    const receipt = await this.#ctx.events.submitOnBehalf(
      origin,
      { id: eventId, ...event },
      undefined,
    );
    return { receipt, eventId };
  }

  /**
   * What the register and the order rules would say of a report before it is signed: the same
   * checks the answer to a submission carries, for a caller that wants to refuse a typo rather
   * than record it (the CLI). Nothing is written.
   */
  async preview(
    org: string,
    input:
      | { type: 'names_list_delivered'; forDay: number; persons: string[]; occurredAt?: string }
      | {
          type: 'handover_step';
          persons: string[];
          step: string;
          place: string;
          occurredAt?: string | undefined;
          note?: string | undefined;
        },
  ): Promise<{ problems: ListProblem[]; issues: RegisterIssue[] }> {
    const { type, occurredAt: at, ...payload } = input;
    const occurredAt = at ?? domainNow(this.#ctx).toISOString();
    const id = `${org}-preview`;
    const candidate = parseEvent({
      id,
      type,
      occurredAt,
      reportedAt: domainNow(this.#ctx).toISOString(),
      source: org,
      payload: Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== undefined)),
    });
    const { register, agreement } = await this.register(this.#asOfReport(occurredAt), candidate);
    const what = type === 'handover_step' ? 'this step' : 'this list';
    const issues = register.issues
      .filter((i) => i.eventId === id)
      .map((i) => ({ ...i, message: i.message.replaceAll(id, what) }));
    if (input.type !== 'names_list_delivered') return { problems: [], issues };
    return {
      problems: listProblems(register, agreement, { ...input, occurredAt }, id),
      issues,
    };
  }

  /**
   * A names list, checked at once against the register and the agreement's order rules: the
   * answer carries the problems the status will show as an early warning.
   */
  async submitList(
    origin: RequestOrigin,
    input: { forDay: number; persons: string[]; occurredAt?: string | undefined },
  ): Promise<{
    receipt: LedgerReceipt;
    eventId: string;
    problems: ListProblem[];
    issues: RegisterIssue[];
  }> {
    const occurredAt = input.occurredAt ?? domainNow(this.#ctx).toISOString();
    const { receipt, eventId } = await this.#submit(origin, {
      type: 'names_list_delivered',
      occurredAt,
      payload: { forDay: input.forDay, persons: input.persons },
    });
    const { register, agreement } = await this.register(this.#asOfReport(occurredAt));
    const problems = listProblems(register, agreement, { ...input, occurredAt }, eventId);
    const issues = register.issues.filter((i) => i.eventId === eventId);
    return { receipt, eventId, problems, issues };
  }

  /** One step of the chain of custody, signed by the user's organisation. */
  async recordStep(
    origin: RequestOrigin,
    input: {
      persons: string[];
      step: string;
      place: string;
      occurredAt?: string | undefined;
      note?: string | undefined;
    },
  ): Promise<{ receipt: LedgerReceipt; eventId: string; issues: RegisterIssue[] }> {
    const occurredAt = input.occurredAt ?? domainNow(this.#ctx).toISOString();
    const { receipt, eventId } = await this.#submit(origin, {
      type: 'handover_step',
      occurredAt,
      payload: {
        persons: input.persons,
        step: input.step,
        place: input.place,
        ...(input.note ? { note: input.note } : {}),
      },
    });
    const { register } = await this.register(this.#asOfReport(occurredAt));
    return { receipt, eventId, issues: register.issues.filter((i) => i.eventId === eventId) };
  }

  /**
   * The ICRC-style handover sheet of one day (the agreement's Day N): one row per person handed
   * over that day, with each step of the chain, when, where and signed by whom. Pseudonymous ids
   * only; names are on the sheet the ICRC keeps, decrypted per person with a reason.
   */
  async handoverSheet(day: number): Promise<string> {
    const { register, agreement } = await this.register();
    if (!agreement) return handoverSheetCsv([]);
    return handoverSheetCsv(
      personsHandedOverOn(register, agreement, day),
      dayWindow(agreement, day),
    );
  }

  /** Persons by status and category: the aggregate every member may read, small cells hidden. */
  async summary(asOf?: string) {
    const { register } = await this.register(asOf);
    const byStatus: Record<string, number> = {};
    const byCategory: Record<string, number> = {};
    for (const person of register.persons) {
      byStatus[person.status] = (byStatus[person.status] ?? 0) + 1;
      const category = person.category ?? 'unknown';
      byCategory[category] = (byCategory[category] ?? 0) + 1;
    }
    return {
      persons: suppressSmallCells({ all: register.persons.length }).all,
      byStatus: suppressSmallCells(byStatus),
      byCategory: suppressSmallCells(byCategory),
      issues: suppressSmallCells(
        register.issues.reduce<Record<string, number>>((acc, issue) => {
          acc[issue.code] = (acc[issue.code] ?? 0) + 1;
          return acc;
        }, {}),
      ),
    };
  }
}

/**
 * A names list checked against the agreement's order rules, with what the register knows of
 * each person named (category, living, released when) at the time the list was delivered.
 */
function listProblems(
  register: Register,
  agreement: Agreement | undefined,
  list: { forDay: number; persons: string[]; occurredAt: string },
  eventId: string,
): ListProblem[] {
  const known = new Map<string, KnownPerson>();
  let registered = false;
  for (const person of register.persons) {
    if (person.history.some((h) => h.status === 'held')) registered = true;
    if (person.category === null) continue;
    const released = person.history.find(
      (h) =>
        (h.status === 'received' || h.status === 'returned') &&
        Date.parse(h.at) <= Date.parse(list.occurredAt),
    );
    known.set(person.id, {
      category: person.category,
      living: person.living ?? true,
      releasedAt: released ? Date.parse(released.at) : null,
    });
  }
  const problems: ListProblem[] = [];
  for (const obligation of agreement?.obligations ?? []) {
    if (obligation.kind !== 'schedule' || !obligation.lists) continue;
    problems.push(
      ...checkList(
        {
          id: eventId,
          forDay: list.forDay,
          persons: list.persons,
          at: Date.parse(list.occurredAt),
        },
        known,
        obligation.lists.order,
        null,
        registered,
      ),
    );
  }
  return problems;
}
