/** Shared by the sitrep's tests: the Gaza 2025 sample and its synthetic scenario. */
import { readFileSync } from 'node:fs';
import { type Agreement, parseAgreement, parseEventLines, type TruceEvent } from '@truce/core';
import type { SitrepModel } from './model.js';
import { prepareSitrep } from './sitrep.js';

const read = (path: string) =>
  readFileSync(new URL(`../../../../${path}`, import.meta.url), 'utf8');

export const sampleAgreement: Agreement = parseAgreement(
  read('examples/agreements/gaza-2025.yaml'),
  'gaza-2025.yaml',
);
export const sampleEvents: TruceEvent[] = parseEventLines(
  read('examples/scenarios/gaza-2025-synthetic.jsonl'),
  'gaza-2025-synthetic.jsonl',
);

/** Long after the scenario: every day of it is over. */
export const afterTheScenario = new Date('2026-01-01T00:00:00Z');

export function sampleSitrep(
  date: string,
  now = afterTheScenario,
  events: readonly TruceEvent[] = sampleEvents,
): SitrepModel {
  return prepareSitrep(
    {
      versions: [sampleAgreement],
      events,
      coverage: { kind: 'file', file: 'gaza-2025-synthetic.jsonl', events: events.length },
    },
    date,
    now,
  );
}
