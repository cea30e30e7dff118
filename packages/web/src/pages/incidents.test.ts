import { describe, expect, it } from 'vitest';
import { type IncidentFileView, incidentQueues, queueOf } from './incidents.tsx';

const file = (
  incident: string,
  state: string,
  reportedAt: string,
  overdue = false,
): IncidentFileView => ({
  incident,
  state,
  closed: false,
  reportEventId: `e-${incident}`,
  reportedBy: 'un',
  occurredAt: reportedAt,
  reportedAt,
  category: 'fire',
  description: 'Synthetic.',
  evidence: [],
  steps: [],
  deadlines: overdue
    ? [{ step: 'triage', dueAt: reportedAt, doneAt: null, status: 'overdue' }]
    : [],
  problems: [],
  nextSteps: [],
});

describe('the incident queues', () => {
  it('puts each incident in the queue of its state, duplicates and out-of-scope ones together', () => {
    expect(queueOf(file('a', 'duplicate', '2025-01-28T10:00:00Z'))).toBe('closed');
    expect(queueOf(file('b', 'out_of_scope', '2025-01-28T10:00:00Z'))).toBe('closed');
    expect(queueOf(file('c', 'under_investigation', '2025-01-28T10:00:00Z'))).toBe(
      'under_investigation',
    );
  });

  it('shows overdue incidents first, then the oldest report', () => {
    const queues = incidentQueues([
      file('new', 'reported', '2025-01-29T10:00:00Z'),
      file('old', 'reported', '2025-01-27T10:00:00Z'),
      file('late', 'reported', '2025-01-28T10:00:00Z', true),
    ]);
    expect(queues.get('reported')?.map((f) => f.incident)).toEqual(['late', 'old', 'new']);
    expect(queues.get('published')).toEqual([]);
  });
});
