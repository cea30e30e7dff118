import type { Evaluation, NoticeFold } from '@truce/core';
import type { Action } from '../policies/matrix.js';
import type { AlertRule } from './rules.js';

/** What a rule reads: the policy action the subscriber must be allowed for it to page at all. */
export function actionOf(rule: AlertRule): Action {
  switch (rule.kind) {
    case 'status':
    case 'deadline':
    case 'divergence':
    case 'digest':
      return 'status.read';
    case 'incident':
      return 'events.read';
    case 'checkpoint':
      return 'checkpoints.read';
    case 'notice':
      return 'notices.read';
  }
}

/** One condition a rule finds: `key` identifies it across ticks. */
export interface Condition {
  key: string;
  title: string;
  body: Record<string, unknown>;
}

/** A new ledger event the worker reads once, in sequence order. */
export interface NewEvent {
  seq: number;
  event: { id: string; type: string; source: string; occurredAt: string; payload?: unknown };
}

export interface World {
  /** The cell's now (ms), as the evaluation's asOf. */
  now: number;
  /** The real clock (ms): checkpoints are signed on it. */
  realNow: number;
  evaluation: Evaluation | null;
  notices: NoticeFold | null;
  newEvents: readonly NewEvent[];
  checkpoint: { size: number; savedAt: string; cosigners: readonly string[] } | null;
}

export interface Found {
  /** Conditions that hold now: an alert when one starts to hold, none again until it clears. */
  holding: Condition[];
  /** Things that happened once (an incident reported): an alert each, by ledger position. */
  happened: (Condition & { seq: number })[];
}

const HOUR_MS = 3_600_000;
const unmet = new Set(['not_started', 'on_track', 'at_risk', 'disputed', 'breached']);

/**
 * The conditions a rule finds in the world, for a subscriber of organisation `org`. Pure: the
 * caller has already checked that the subscriber may see what the rule reads (`actionOf`).
 */
export function conditionsOf(rule: AlertRule, world: World, org: string): Found {
  const holding: Condition[] = [];
  const happened: Found['happened'] = [];
  const evaluation = world.evaluation;
  const wanted = (id: string) =>
    !('obligations' in rule) || rule.obligations === undefined || rule.obligations.includes(id);
  switch (rule.kind) {
    case 'status':
      for (const o of evaluation?.obligations ?? []) {
        if (!wanted(o.id) || !(rule.to as string[]).includes(o.status)) continue;
        holding.push({
          key: `status:${o.id}:${o.status}`,
          title: `${o.id} is ${o.status}`,
          body: {
            kind: 'status',
            obligation: o.id,
            status: o.status,
            why: o.why,
            eventIds: o.eventIds,
          },
        });
      }
      break;
    case 'deadline':
      for (const o of evaluation?.obligations ?? []) {
        if (!wanted(o.id) || o.dueAt === null || !unmet.has(o.status)) continue;
        const due = Date.parse(o.dueAt);
        const left = due - world.now;
        if (left < 0 || left > rule.withinHours * HOUR_MS) continue;
        holding.push({
          key: `deadline:${o.id}:${o.dueAt}`,
          title: `${o.id} is due in ${Math.max(0, Math.round((left / HOUR_MS) * 10) / 10)} h and not met`,
          body: {
            kind: 'deadline',
            obligation: o.id,
            dueAt: o.dueAt,
            status: o.status,
            why: o.why,
          },
        });
      }
      break;
    case 'divergence':
      for (const o of evaluation?.obligations ?? []) {
        if (!wanted(o.id) || o.sources.length < 2 || o.progress.done <= 0) continue;
        for (const source of o.sources) {
          const percent = (Math.abs(source.done - o.progress.done) / o.progress.done) * 100;
          if (percent <= rule.percent) continue;
          holding.push({
            key: `divergence:${o.id}:${source.source}`,
            title: `${source.source}'s figure for ${o.id} differs by ${Math.round(percent)}% from the one counted`,
            body: {
              kind: 'divergence',
              obligation: o.id,
              source: source.source,
              figure: source.done,
              counted: o.progress.done,
              percent: Math.round(percent * 10) / 10,
            },
          });
        }
      }
      break;
    case 'incident':
      for (const { seq, event } of world.newEvents) {
        if (event.type !== 'incident_reported') continue;
        const payload = event.payload as { incident: string; category: string; place?: string };
        const inPlace =
          !rule.places || (payload.place !== undefined && rule.places.includes(payload.place));
        const ofCategory = !rule.categories || rule.categories.includes(payload.category);
        if (!inPlace || !ofCategory) continue;
        happened.push({
          seq,
          key: `incident:${payload.incident}`,
          title: `Incident ${payload.incident} (${payload.category}${payload.place ? `, ${payload.place}` : ''}) reported by ${event.source}`,
          body: { kind: 'incident', incident: payload.incident, eventId: event.id, seq },
        });
      }
      break;
    case 'checkpoint': {
      const checkpoint = world.checkpoint;
      if (!checkpoint || checkpoint.cosigners.includes(rule.party)) break;
      const age = world.realNow - Date.parse(checkpoint.savedAt);
      if (age <= rule.withinMinutes * 60_000) break;
      holding.push({
        key: `checkpoint:${rule.party}:${checkpoint.size}`,
        title: `Checkpoint ${checkpoint.size} not co-signed by ${rule.party} after ${Math.round(age / 60_000)} min`,
        body: {
          kind: 'checkpoint',
          size: checkpoint.size,
          party: rule.party,
          savedAt: checkpoint.savedAt,
        },
      });
      break;
    }
    case 'digest': {
      const local = localClock(world.now, rule.timeZone);
      if (local.time < rule.at || !evaluation) break;
      const byStatus = new Map<string, string[]>();
      for (const o of evaluation.obligations) {
        byStatus.set(o.status, [...(byStatus.get(o.status) ?? []), o.id]);
      }
      const counts = [...byStatus].map(([status, ids]) => `${ids.length} ${status}`).join(' · ');
      const attention = ['breached', 'at_risk', 'disputed']
        .filter((status) => byStatus.has(status))
        .map((status) => `${status}: ${(byStatus.get(status) ?? []).join(', ')}`);
      const awaiting = (world.notices?.notices ?? []).filter((n) =>
        n.recipients.some((r) => r.org === org && r.acknowledgedAt === null),
      );
      holding.push({
        key: `digest:${local.date}`,
        title: `Daily digest ${local.date}, Day ${evaluation.day}: ${counts}`,
        body: {
          kind: 'digest',
          date: local.date,
          day: evaluation.day,
          asOf: evaluation.asOf,
          statuses: Object.fromEntries(byStatus),
          why: [
            ...attention,
            awaiting.length > 0
              ? `notices awaiting your acknowledgement: ${awaiting.map((n) => n.subject).join('; ')}`
              : 'no notice awaits your acknowledgement',
          ].join('. '),
        },
      });
      break;
    }
    case 'notice':
      for (const notice of world.notices?.notices ?? []) {
        const mine = notice.recipients.find((r) => r.org === org);
        if (mine?.overdue) {
          holding.push({
            key: `notice-overdue:${notice.notice}`,
            title: `Notice "${notice.subject}" from ${notice.from} awaits your acknowledgement (due ${new Date(notice.acknowledgeBy).toISOString()})`,
            body: { kind: 'notice', notice: notice.notice, eventId: notice.eventId },
          });
        }
        if (notice.from === org && notice.overdue) {
          const missing = notice.recipients.filter((r) => r.overdue).map((r) => r.org);
          holding.push({
            key: `notice-unacknowledged:${notice.notice}`,
            title: `Your notice "${notice.subject}" is not acknowledged by ${missing.join(', ')}`,
            body: { kind: 'notice', notice: notice.notice, eventId: notice.eventId, missing },
          });
        }
        for (const step of notice.escalations) {
          if (step.cleared || !step.orgs.includes(org)) continue;
          holding.push({
            key: `notice-escalated:${notice.notice}:${step.to}`,
            title: `Escalated to the ${step.to}: notice "${notice.subject}" from ${notice.from} is not acknowledged`,
            body: {
              kind: 'notice',
              notice: notice.notice,
              eventId: notice.eventId,
              escalation: step.to,
            },
          });
        }
      }
      break;
  }
  return { holding, happened };
}

/** The date and HH:MM at `ms` in a time zone. */
function localClock(ms: number, timeZone: string): { date: string; time: string } {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return {
    date: `${part('year')}-${part('month')}-${part('day')}`,
    time: `${part('hour')}:${part('minute')}`,
  };
}
