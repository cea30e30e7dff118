import type { NoticeView } from '@truce/core';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** A notice as it leaves the server: instants as ISO 8601 (UTC), and where it stands for `org`. */
export function presentNotice(notice: NoticeView, org: string | undefined) {
  const mine = notice.recipients.find((r) => r.org === org);
  return {
    notice: notice.notice,
    eventId: notice.eventId,
    from: notice.from,
    kind: notice.kind,
    subject: notice.subject,
    body: notice.body,
    to: notice.to,
    via: notice.via,
    attachments: notice.attachments,
    sentAt: new Date(notice.sentAt).toISOString(),
    replyBy: iso(notice.replyBy),
    forDay: notice.forDay,
    regarding: notice.regarding,
    acknowledgeBy: new Date(notice.acknowledgeBy).toISOString(),
    recipients: notice.recipients.map((r) => ({
      org: r.org,
      state: r.state,
      delivery: r.delivery
        ? {
            at: new Date(r.delivery.at).toISOString(),
            channel: r.delivery.channel,
            by: r.delivery.by,
            reference: r.delivery.reference,
            eventId: r.delivery.eventId,
          }
        : null,
      readAt: iso(r.readAt),
      acknowledgedAt: iso(r.acknowledgedAt),
      answeredAt: iso(r.answeredAt),
      answer: r.answer,
      overdue: r.overdue,
      eventIds: r.eventIds,
    })),
    overdue: notice.overdue,
    answerOverdue: notice.answerOverdue,
    escalations: notice.escalations.map((e) => ({
      to: e.to,
      orgs: e.orgs,
      at: new Date(e.at).toISOString(),
      cleared: e.cleared,
    })),
    nextEscalation: notice.nextEscalation
      ? { to: notice.nextEscalation.to, at: new Date(notice.nextEscalation.at).toISOString() }
      : null,
    direction: mine
      ? ('inbox' as const)
      : notice.from === org
        ? ('outbox' as const)
        : ('other' as const),
    awaitingMyAcknowledgement: mine !== undefined && mine.acknowledgedAt === null,
  };
}
