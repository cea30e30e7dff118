import type { Agreement } from '../agreement/schema.js';
import type { EventOf, TruceEvent } from '../events/schema.js';

const HOUR_MS = 3_600_000;

/** Who an unacknowledged notice goes up to, in order. */
export type EscalationTarget = 'mediators' | 'guarantors';

export interface EscalationStep {
  afterHours: number;
  to: EscalationTarget;
}

/** When a notice must be acknowledged and whom to tell when it is not. */
export interface NoticeRules {
  /** Hours after sending by which every recipient must acknowledge. */
  acknowledgeWithinHours: number;
  /** Steps, each counted from when the notice was sent. */
  escalate: readonly EscalationStep[];
}

/** Without rules in the agreement or the cell's settings: a day to acknowledge, then up the ladder. */
export const defaultNoticeRules: NoticeRules = {
  acknowledgeWithinHours: 24,
  escalate: [
    { afterHours: 24, to: 'mediators' },
    { afterHours: 48, to: 'guarantors' },
  ],
};

/** The rules the agreement sets (`notices:`), or the defaults. */
export function noticeRulesOf(agreement: Pick<Agreement, 'notices'>): NoticeRules {
  return agreement.notices ?? defaultNoticeRules;
}

export type RecipientState = 'sent' | 'delivered' | 'read' | 'acknowledged' | 'answered';

export interface Delivery {
  at: number;
  channel: string;
  by: string;
  reference: string | null;
  eventId: string;
}

export interface RecipientView {
  org: string;
  /** The furthest step reached: answered implies acknowledged, acknowledged implies read. */
  state: RecipientState;
  delivery: Delivery | null;
  readAt: number | null;
  acknowledgedAt: number | null;
  answeredAt: number | null;
  answer: { body: string; eventId: string } | null;
  /** Not acknowledged and the time to acknowledge has passed. */
  overdue: boolean;
  eventIds: string[];
}

export interface EscalationView {
  to: EscalationTarget;
  /** The organisations of the agreement with that role. */
  orgs: string[];
  /** When the step was reached (the notice was still not acknowledged by everyone then). */
  at: number;
  /** Every recipient has acknowledged since. */
  cleared: boolean;
}

export interface NoticeView {
  notice: string;
  eventId: string;
  from: string;
  kind: EventOf<'notice_sent'>['payload']['kind'];
  subject: string;
  body: string;
  to: string[];
  via: string[];
  attachments: EventOf<'notice_sent'>['payload']['attachments'];
  sentAt: number;
  replyBy: number | null;
  forDay: number | null;
  regarding: string | null;
  acknowledgeBy: number;
  recipients: RecipientView[];
  /** Some recipient has not acknowledged and the time to do so has passed. */
  overdue: boolean;
  /** `replyBy` has passed and some recipient has not answered. */
  answerOverdue: boolean;
  /** Steps of the ladder reached so far, lowest first. */
  escalations: EscalationView[];
  /** The next step if nobody acknowledges before it, or null. */
  nextEscalation: { to: EscalationTarget; at: number } | null;
}

export interface NoticeWarning {
  eventId: string;
  message: string;
}

export interface NoticeFold {
  notices: NoticeView[];
  warnings: NoticeWarning[];
}

export interface FoldOptions {
  /** The instant of the fold (ms); an event counts once it occurred and was reported. */
  asOf: number;
  rules?: NoticeRules;
  /** Organisations with the mediator role: they deliver notices and are the first escalation. */
  mediators: readonly string[];
  guarantors: readonly string[];
}

type NoticeEvent = EventOf<
  'notice_sent' | 'notice_delivered' | 'notice_read' | 'notice_acknowledged' | 'notice_answered'
>;

const noticeTypes = new Set<string>([
  'notice_sent',
  'notice_delivered',
  'notice_read',
  'notice_acknowledged',
  'notice_answered',
]);

export function isNoticeEvent(event: TruceEvent): event is NoticeEvent {
  return noticeTypes.has(event.type);
}

const stateOrder: Record<RecipientState, number> = {
  sent: 0,
  delivered: 1,
  read: 2,
  acknowledged: 3,
  answered: 4,
};

/** The options of a fold for an agreement: its mediators, guarantors and rules. */
export function foldOptionsOf(agreement: Agreement, asOf: number): FoldOptions {
  const withRole = (role: string) =>
    agreement.parties.filter((p) => p.roles.includes(role as never)).map((p) => p.id);
  return {
    asOf,
    rules: noticeRulesOf(agreement),
    mediators: withRole('mediator'),
    guarantors: withRole('guarantor'),
  };
}

/**
 * Every notice and, for each recipient, how far it got (delivered, read, acknowledged,
 * answered), which acknowledgements are overdue and how far up the escalation ladder each
 * notice has gone, as known at `asOf`. Pure: the same events and options give the same fold.
 *
 * Only a recipient may read, acknowledge or answer for itself; only a mediator (or the sender)
 * records a delivery. Anything else is kept out of the state and reported as a warning, so that
 * one party cannot acknowledge on another's behalf.
 */
export function foldNotices(events: Iterable<TruceEvent>, options: FoldOptions): NoticeFold {
  const { asOf } = options;
  const rules = options.rules ?? defaultNoticeRules;
  const mediators = new Set(options.mediators);
  const known: { event: NoticeEvent; at: number }[] = [];
  for (const event of events) {
    if (!isNoticeEvent(event)) continue;
    const at = Date.parse(event.occurredAt);
    if (at > asOf || Date.parse(event.reportedAt) > asOf) continue;
    known.push({ event, at });
  }
  // Time order, then id: the first of two acknowledgements is the one that counts.
  known.sort((a, b) => a.at - b.at || (a.event.id < b.event.id ? -1 : 1));
  const warnings: NoticeWarning[] = [];
  const views = new Map<string, NoticeView>();
  for (const { event, at } of known) {
    if (event.type !== 'notice_sent') continue;
    const payload = event.payload;
    if (views.has(payload.notice)) {
      warnings.push({
        eventId: event.id,
        message: `notice ${payload.notice} was already sent (${views.get(payload.notice)?.eventId}); a second notice needs its own id`,
      });
      continue;
    }
    const to = [...new Set(payload.to)];
    views.set(payload.notice, {
      notice: payload.notice,
      eventId: event.id,
      from: event.source,
      kind: payload.kind,
      subject: payload.subject,
      body: payload.body,
      to,
      via: payload.via ?? [...mediators],
      attachments: payload.attachments,
      sentAt: at,
      replyBy: payload.replyBy === undefined ? null : Date.parse(payload.replyBy),
      forDay: payload.forDay ?? null,
      regarding: payload.regarding ?? null,
      acknowledgeBy: at + rules.acknowledgeWithinHours * HOUR_MS,
      recipients: to.map((org) => ({
        org,
        state: 'sent',
        delivery: null,
        readAt: null,
        acknowledgedAt: null,
        answeredAt: null,
        answer: null,
        overdue: false,
        eventIds: [],
      })),
      overdue: false,
      answerOverdue: false,
      escalations: [],
      nextEscalation: null,
    });
  }
  for (const { event, at } of known) {
    if (event.type === 'notice_sent') continue;
    const view = views.get(event.payload.notice);
    if (!view) {
      warnings.push({
        eventId: event.id,
        message: `no notice ${event.payload.notice} has been sent (as of this evaluation); ${event.type} not applied`,
      });
      continue;
    }
    const recipientOrg = event.type === 'notice_delivered' ? event.payload.to : event.source;
    const recipient = view.recipients.find((r) => r.org === recipientOrg);
    if (!recipient) {
      warnings.push({
        eventId: event.id,
        message:
          event.type === 'notice_delivered'
            ? `notice ${view.notice} is not addressed to ${recipientOrg}; delivery not applied`
            : `${recipientOrg} is not a recipient of notice ${view.notice}; only a recipient can record ${event.type}`,
      });
      continue;
    }
    if (event.type === 'notice_delivered') {
      if (!mediators.has(event.source) && event.source !== view.from) {
        warnings.push({
          eventId: event.id,
          message: `a delivery of notice ${view.notice} is recorded by a mediator or the sender; ${event.source} is neither`,
        });
        continue;
      }
      if (recipient.delivery) continue;
      recipient.delivery = {
        at,
        channel: event.payload.channel,
        by: event.source,
        reference: event.payload.reference ?? null,
        eventId: event.id,
      };
      raise(recipient, 'delivered');
    } else if (event.type === 'notice_read') {
      if (recipient.readAt !== null) continue;
      recipient.readAt = at;
      raise(recipient, 'read');
    } else if (event.type === 'notice_acknowledged') {
      if (recipient.acknowledgedAt !== null) continue;
      recipient.acknowledgedAt = at;
      recipient.readAt ??= at;
      raise(recipient, 'acknowledged');
    } else {
      if (recipient.answeredAt !== null) continue;
      recipient.answeredAt = at;
      recipient.answer = { body: event.payload.body, eventId: event.id };
      // An answer acknowledges receipt: nobody answers what they did not get.
      recipient.acknowledgedAt ??= at;
      recipient.readAt ??= at;
      raise(recipient, 'answered');
    }
    recipient.eventIds.push(event.id);
  }
  const roleOrgs: Record<EscalationTarget, string[]> = {
    mediators: [...options.mediators],
    guarantors: [...options.guarantors],
  };
  for (const view of views.values()) {
    for (const recipient of view.recipients) {
      recipient.overdue = recipient.acknowledgedAt === null && asOf > view.acknowledgeBy;
    }
    view.overdue = view.recipients.some((r) => r.overdue);
    view.answerOverdue =
      view.replyBy !== null &&
      asOf > view.replyBy &&
      view.recipients.some((r) => r.answeredAt === null);
    // Everyone acknowledged at this instant (Infinity: not yet).
    const allAcknowledged = view.recipients.reduce(
      (latest, r) => Math.max(latest, r.acknowledgedAt ?? Number.POSITIVE_INFINITY),
      Number.NEGATIVE_INFINITY,
    );
    const steps = [...rules.escalate].sort((a, b) => a.afterHours - b.afterHours);
    for (const step of steps) {
      const at = view.sentAt + step.afterHours * HOUR_MS;
      // A step is reached only if someone still had not acknowledged when its time came.
      if (allAcknowledged <= at) break;
      if (at > asOf) {
        view.nextEscalation = { to: step.to, at };
        break;
      }
      view.escalations.push({
        to: step.to,
        orgs: roleOrgs[step.to],
        at,
        cleared: Number.isFinite(allAcknowledged),
      });
    }
  }
  const notices = [...views.values()].sort(
    (a, b) => b.sentAt - a.sentAt || (a.notice < b.notice ? -1 : 1),
  );
  return { notices, warnings };
}

function raise(recipient: RecipientView, state: RecipientState): void {
  if (stateOrder[state] > stateOrder[recipient.state]) recipient.state = state;
}

/** The notices a recipient has not yet acknowledged and whose time has passed. */
export function overdueAcknowledgements(
  fold: NoticeFold,
): { notice: NoticeView; recipient: RecipientView }[] {
  return fold.notices.flatMap((notice) =>
    notice.recipients.filter((r) => r.overdue).map((recipient) => ({ notice, recipient })),
  );
}
