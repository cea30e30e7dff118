import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAgreement } from '../agreement/parse.js';
import { evaluate } from '../engine/evaluate.js';
import { duplicateSuggestions } from '../incidents/duplicates.js';
import { incidentFiles } from '../incidents/incident-files.js';
import { returnsSummary } from '../returns/returns.js';
import { generateGaza2025Scenario } from './gaza-2025.js';
import { gaza2025IncidentCases, generateGaza2025IncidentsScenario } from './gaza-2025-incidents.js';

const agreement = parseAgreement(
  readFileSync(new URL('../../../../examples/agreements/gaza-2025.yaml', import.meta.url), 'utf8'),
);
const base = generateGaza2025Scenario().events;
const supplement = generateGaza2025IncidentsScenario(base).events;
const verifiers = new Set(['qatar', 'egypt', 'united-states']);
const cases = gaza2025IncidentCases;

describe('the incidents supplement of the 2025 sample', () => {
  const files = incidentFiles([...base, ...supplement], {
    asOf: Date.parse('2025-02-25T12:00:00+02:00'),
    verifiers,
  });
  const file = (id: string) => files.find((f) => f.incident === id);

  it('takes each documented case to the state it documents, with no step refused', () => {
    expect(files.map((f) => [f.incident, f.state])).toEqual([
      [cases.lateAndUntriaged, 'reported'],
      [cases.duplicateReport, 'duplicate'],
      [cases.returnsObstructed, 'assigned'],
      [cases.returnedToInvestigation, 'under_investigation'],
      [cases.publishedUnfounded, 'published'],
      [cases.publishedConfirmed, 'published'],
    ]);
    expect(files.flatMap((f) => f.problems)).toEqual([]);
    expect(supplement.every((e, i) => e.id === `i-${String(i + 1).padStart(6, '0')}`)).toBe(true);
  });

  it('shows the late report as late and its triage as overdue', () => {
    const late = file(cases.lateAndUntriaged);
    expect(late?.deadlines.map((d) => [d.step, d.status])).toEqual([
      ['report', 'late'],
      ['triage', 'overdue'],
    ]);
  });

  it('would have suggested the two reports of the crowd as duplicates before triage', () => {
    const beforeTriage = incidentFiles([...base, ...supplement], {
      asOf: Date.parse('2025-02-17T11:00:00+02:00'),
      verifiers,
    });
    expect(duplicateSuggestions(beforeTriage)).toContainEqual(
      expect.objectContaining({
        incident: cases.duplicateReport,
        candidate: cases.returnsObstructed,
        metresApart: 389,
        samePlace: true,
      }),
    );
  });

  it('leaves the base figures alone: the confirmed finding still breaches the daily quota', () => {
    const asOf = '2025-02-11T12:00:00+02:00';
    const withSupplement = evaluate(agreement, [...base, ...supplement], asOf);
    const without = evaluate(agreement, base, asOf);
    expect(withSupplement.obligations.map((o) => [o.id, o.status])).toEqual(
      without.obligations.map((o) => [o.id, o.status]),
    );
  });

  it('counts returns per hour and source at the checkpoints, and flags the count made while the route was closed', () => {
    const asOf = '2025-02-10T12:00:00+02:00';
    const events = [...base, ...supplement];
    const summary = returnsSummary(agreement, events, evaluate(agreement, events, asOf));
    const rashid = summary.routes.find((r) => r.route === cases.countBeforeOpening);
    expect(rashid?.flags).toHaveLength(1);
    expect(rashid?.flags[0]?.message).toContain('when the route was reported closed');
    const noon = summary.cells.find(
      (c) =>
        c.checkpoint === 'netzarim-rashid-checkpoint' && c.hour === '2025-01-27T11:00:00+02:00',
    );
    expect(Object.keys(noon?.bySource ?? {}).sort()).toEqual(['qatar', 'un']);
    const vehicles = summary.cells.filter((c) => c.mode === 'vehicle' && c.day === 9);
    expect(vehicles).toHaveLength(10);
  });
});
