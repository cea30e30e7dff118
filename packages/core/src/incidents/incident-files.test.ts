import { describe, expect, it } from 'vitest';
import { parseEvent } from '../events/parse.js';
import type { TruceEvent, TruceEventInput } from '../events/schema.js';
import { duplicateSuggestions } from './duplicates.js';
import { incidentFiles } from './incident-files.js';

let n = 0;
function event(
  type: TruceEventInput['type'],
  source: string,
  at: string,
  payload: Record<string, unknown>,
  occurredAt = at,
): TruceEvent {
  n++;
  return parseEvent({ id: `w-${n}`, type, source, occurredAt, reportedAt: at, payload });
}

const report = (
  incident: string,
  at: string,
  { occurredAt, ...extra }: Record<string, unknown> = {},
) =>
  event(
    'incident_reported',
    'un',
    at,
    {
      incident,
      category: 'obstruction_of_aid',
      description: 'Trucks held at the crossing.',
      place: 'kerem-shalom',
      ...extra,
    },
    (occurredAt as string | undefined) ?? at,
  );

const asOf = (text: string) => Date.parse(text);

describe('incident files folded from events', () => {
  it('follows a report through every step to publication, each with its reason', () => {
    n = 0;
    const events = [
      report('inc-1', '2025-01-28T10:00:00+02:00'),
      event('incident_triaged', 'qatar', '2025-01-28T15:00:00+02:00', {
        incident: 'inc-1',
        decision: 'accepted',
        reason: 'Credible and within the agreement.',
      }),
      event('incident_assigned', 'qatar', '2025-01-28T16:00:00+02:00', {
        incident: 'inc-1',
        assignee: 'egypt',
        reason: 'Egypt has liaison officers at the crossing.',
      }),
      event('investigation_started', 'egypt', '2025-01-29T09:00:00+02:00', {
        incident: 'inc-1',
        reason: 'Crossing logs requested from both sides.',
      }),
      event('finding_recorded', 'egypt', '2025-02-01T09:00:00+02:00', {
        incident: 'inc-1',
        outcome: 'confirmed',
        attributedTo: 'israel',
        obligation: 'aid-trucks-daily',
        summary: 'Both logs show a six-hour hold.',
      }),
      event('finding_reviewed', 'qatar', '2025-02-02T09:00:00+02:00', {
        incident: 'inc-1',
        finding: 'w-5',
        decision: 'endorsed',
        reason: 'Evidence sufficient.',
      }),
      event('finding_published', 'qatar', '2025-02-02T12:00:00+02:00', {
        incident: 'inc-1',
        finding: 'w-5',
        reason: 'Agreed by the committee.',
      }),
    ];
    const [file] = incidentFiles(events, { asOf: asOf('2025-02-03T00:00:00+02:00') });
    expect(file?.state).toBe('published');
    expect(file?.closed).toBe(true);
    expect(file?.steps.map((s) => [s.step, s.by, s.reason])).toEqual([
      ['report', 'un', 'Trucks held at the crossing.'],
      ['triage', 'qatar', 'Credible and within the agreement.'],
      ['assign', 'qatar', 'Egypt has liaison officers at the crossing.'],
      ['investigate', 'egypt', 'Crossing logs requested from both sides.'],
      ['record_finding', 'egypt', 'Both logs show a six-hour hold.'],
      ['review', 'qatar', 'Evidence sufficient.'],
      ['publish', 'qatar', 'Agreed by the committee.'],
    ]);
    expect(file?.deadlines.every((d) => d.status === 'done')).toBe(true);
    // Read earlier, the same events say it was still being investigated.
    const [before] = incidentFiles(events, { asOf: asOf('2025-01-30T00:00:00+02:00') });
    expect(before?.state).toBe('under_investigation');
  });

  it('refuses to publish what nobody reviewed, and keeps the attempt visible', () => {
    n = 0;
    const events = [
      report('inc-2', '2025-01-28T10:00:00+02:00'),
      event('finding_recorded', 'egypt', '2025-01-28T11:00:00+02:00', {
        incident: 'inc-2',
        outcome: 'unfounded',
        summary: 'Nothing found.',
      }),
      event('finding_published', 'qatar', '2025-01-28T12:00:00+02:00', {
        incident: 'inc-2',
        finding: 'w-2',
        reason: 'Close it.',
      }),
    ];
    const [file] = incidentFiles(events, { asOf: asOf('2025-01-28T13:00:00+02:00') });
    expect(file?.state).toBe('reported');
    expect(file?.problems.map((p) => [p.eventId, p.message])).toEqual([
      ['w-2', 'not applied: cannot record finding an incident that is reported: triage it first'],
      ['w-3', 'not applied: cannot publish an incident that is reported: triage it first'],
    ]);
  });

  it('shows a step past its deadline as overdue, and a report made after 48 hours as late', () => {
    n = 0;
    const events = [
      report('inc-3', '2025-01-28T10:00:00+02:00', { occurredAt: '2025-01-25T10:00:00+02:00' }),
    ];
    const [file] = incidentFiles(events, { asOf: asOf('2025-01-29T12:00:00+02:00') });
    expect(file?.deadlines).toEqual([
      {
        step: 'report',
        dueAt: '2025-01-27T08:00:00.000Z',
        doneAt: '2025-01-28T08:00:00.000Z',
        status: 'late',
      },
      { step: 'triage', dueAt: '2025-01-29T08:00:00.000Z', doneAt: null, status: 'overdue' },
    ]);
  });

  it('does not apply verification by an organisation that is not a verifier of the agreement', () => {
    n = 0;
    const events = [
      report('inc-4', '2025-01-28T10:00:00+02:00'),
      event('incident_triaged', 'hamas', '2025-01-28T11:00:00+02:00', {
        incident: 'inc-4',
        decision: 'out_of_scope',
        reason: 'Not ours.',
      }),
    ];
    const [file] = incidentFiles(events, {
      asOf: asOf('2025-01-29T00:00:00+02:00'),
      verifiers: new Set(['qatar', 'egypt']),
    });
    expect(file?.state).toBe('reported');
    expect(file?.problems[0]?.message).toContain('only the mediators, guarantors and monitors');
  });
});

describe('duplicate suggestions', () => {
  it('pairs reports close in time and place, not those far apart', () => {
    n = 0;
    const events = [
      report('inc-a', '2025-01-28T10:00:00+02:00', { lat: 31.22, lon: 34.27, place: undefined }),
      // 500 m away, 2 hours later: a likely duplicate.
      report('inc-b', '2025-01-28T12:00:00+02:00', { lat: 31.2245, lon: 34.27, place: undefined }),
      // Same place 30 km north, same time: not one.
      report('inc-c', '2025-01-28T12:00:00+02:00', { lat: 31.49, lon: 34.45, place: undefined }),
      // Same named place, no coordinates, 3 hours after inc-a.
      report('inc-d', '2025-01-28T13:00:00+02:00', { place: 'kerem-shalom' }),
      // Close in place, two days later: not one.
      report('inc-e', '2025-01-30T10:00:00+02:00', { lat: 31.22, lon: 34.27, place: undefined }),
    ];
    const files = incidentFiles(events, {
      asOf: asOf('2025-02-01T00:00:00+02:00'),
      places: new Map([['kerem-shalom', { lat: 31.2208, lon: 34.2706 }]]),
    });
    const pairs = duplicateSuggestions(files).map((s) => [s.incident, s.candidate, s.metresApart]);
    expect(pairs).toEqual([
      ['inc-d', 'inc-b', 415],
      ['inc-d', 'inc-a', 106],
      ['inc-b', 'inc-a', 500],
    ]);
  });
});
