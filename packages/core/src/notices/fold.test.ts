import { describe, expect, it } from 'vitest';
import { parseEvent } from '../events/parse.js';
import type { TruceEvent } from '../events/schema.js';
import { type FoldOptions, foldNotices, overdueAcknowledgements } from './fold.js';

/** Times on one day of the sample calendar (+02:00); hours past 23 roll over to the next days. */
const at = (hours: number, minutes = 0) =>
  new Date(Date.parse('2025-02-01T00:00:00+02:00') + (hours * 60 + minutes) * 60_000)
    .toISOString()
    .replace('.000Z', 'Z');
const ms = (hours: number) => Date.parse(at(hours));

let counter = 0;
function event(type: string, source: string, hours: number, payload: object): TruceEvent {
  counter += 1;
  return parseEvent({
    id: `n-${counter}`,
    type,
    occurredAt: at(hours),
    reportedAt: at(hours),
    source,
    payload,
  });
}

const sent = (hours = 0, to = ['israel'], extra: object = {}) =>
  event('notice_sent', 'hamas', hours, {
    notice: 'names-day-7',
    kind: 'names_list',
    to,
    subject: 'Names for Day 7',
    body: 'H-0004, H-0005, H-0006, H-0007',
    ...extra,
  });

const options = (asOfHours: number): FoldOptions => ({
  asOf: ms(asOfHours),
  mediators: ['qatar', 'egypt'],
  guarantors: ['united-states'],
  rules: {
    acknowledgeWithinHours: 6,
    escalate: [
      { afterHours: 6, to: 'mediators' },
      { afterHours: 12, to: 'guarantors' },
    ],
  },
});

describe('foldNotices: the state of each notice per recipient', () => {
  it('follows a notice from sent to delivered, read, acknowledged and answered', () => {
    const events = [
      sent(0, ['israel', 'egypt']),
      event('notice_delivered', 'qatar', 1, {
        notice: 'names-day-7',
        to: 'israel',
        channel: 'email',
        reference: 'msg-17',
      }),
      event('notice_read', 'israel', 2, { notice: 'names-day-7' }),
      event('notice_acknowledged', 'israel', 3, { notice: 'names-day-7' }),
      event('notice_answered', 'egypt', 4, { notice: 'names-day-7', body: 'Received.' }),
    ];
    const [notice] = foldNotices(events, options(5)).notices;
    expect(notice?.from).toBe('hamas');
    const israel = notice?.recipients.find((r) => r.org === 'israel');
    const egypt = notice?.recipients.find((r) => r.org === 'egypt');
    expect(israel).toMatchObject({
      state: 'acknowledged',
      delivery: { at: ms(1), channel: 'email', by: 'qatar', reference: 'msg-17' },
      readAt: ms(2),
      acknowledgedAt: ms(3),
      overdue: false,
    });
    // An answer acknowledges receipt.
    expect(egypt).toMatchObject({ state: 'answered', acknowledgedAt: ms(4), answeredAt: ms(4) });
    expect(notice?.overdue).toBe(false);
  });

  it('counts an event only once it occurred and was reported by asOf', () => {
    const events = [
      sent(0),
      parseEvent({
        id: 'late-ack',
        type: 'notice_acknowledged',
        occurredAt: at(1),
        reportedAt: at(8),
        source: 'israel',
        payload: { notice: 'names-day-7' },
      }),
    ];
    expect(foldNotices(events, options(7)).notices[0]?.recipients[0]?.state).toBe('sent');
    expect(foldNotices(events, options(8)).notices[0]?.recipients[0]).toMatchObject({
      state: 'acknowledged',
      acknowledgedAt: ms(1),
    });
  });

  it('refuses acknowledgements by anyone but the recipient, and deliveries by a party', () => {
    const events = [
      sent(0),
      event('notice_acknowledged', 'hamas', 1, { notice: 'names-day-7' }),
      event('notice_delivered', 'israel', 1, {
        notice: 'names-day-7',
        to: 'israel',
        channel: 'portal',
      }),
      event('notice_read', 'israel', 1, { notice: 'unknown' }),
    ];
    const fold = foldNotices(events, options(2));
    expect(fold.notices[0]?.recipients[0]?.state).toBe('sent');
    expect(fold.warnings.map((w) => w.message).sort()).toEqual([
      'a delivery of notice names-day-7 is recorded by a mediator or the sender; israel is neither',
      'hamas is not a recipient of notice names-day-7; only a recipient can record notice_acknowledged',
      'no notice unknown has been sent (as of this evaluation); notice_read not applied',
    ]);
  });

  it('marks an acknowledgement overdue once the time to acknowledge has passed', () => {
    const events = [sent(0, ['israel', 'egypt'])];
    const before = foldNotices(events, options(6));
    expect(before.notices[0]?.overdue).toBe(false);
    const after = foldNotices(
      [...events, event('notice_acknowledged', 'egypt', 2, { notice: 'names-day-7' })],
      options(7),
    );
    expect(after.notices[0]?.overdue).toBe(true);
    expect(overdueAcknowledgements(after).map((o) => o.recipient.org)).toEqual(['israel']);
  });

  it('flags a reply-by time that passed without an answer', () => {
    const events = [sent(0, ['israel'], { replyBy: at(10) })];
    expect(foldNotices(events, options(9)).notices[0]?.answerOverdue).toBe(false);
    expect(foldNotices(events, options(11)).notices[0]?.answerOverdue).toBe(true);
  });
});

describe('foldNotices: the escalation ladder', () => {
  const events = [sent(0)];

  it('goes to the mediators, then the guarantors, while nobody acknowledges', () => {
    const early = foldNotices(events, options(5)).notices[0];
    expect(early?.escalations).toEqual([]);
    expect(early?.nextEscalation).toEqual({ to: 'mediators', at: ms(6) });
    const middle = foldNotices(events, options(7)).notices[0];
    expect(middle?.escalations).toEqual([
      { to: 'mediators', orgs: ['qatar', 'egypt'], at: ms(6), cleared: false },
    ]);
    expect(middle?.nextEscalation).toEqual({ to: 'guarantors', at: ms(12) });
    const late = foldNotices(events, options(13)).notices[0];
    expect(late?.escalations.map((e) => e.to)).toEqual(['mediators', 'guarantors']);
    expect(late?.nextEscalation).toBeNull();
  });

  it('stops climbing once acknowledged, and keeps the step reached as cleared', () => {
    const acknowledged = [
      ...events,
      event('notice_acknowledged', 'israel', 8, { notice: 'names-day-7' }),
    ];
    const notice = foldNotices(acknowledged, options(20)).notices[0];
    expect(notice?.escalations).toEqual([
      { to: 'mediators', orgs: ['qatar', 'egypt'], at: ms(6), cleared: true },
    ]);
    expect(notice?.nextEscalation).toBeNull();
  });

  it('never escalates a notice acknowledged in time', () => {
    const acknowledged = [
      ...events,
      event('notice_acknowledged', 'israel', 1, { notice: 'names-day-7' }),
    ];
    const notice = foldNotices(acknowledged, options(48)).notices[0];
    expect(notice?.escalations).toEqual([]);
    expect(notice?.nextEscalation).toBeNull();
  });
});
