import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAgreement } from '../agreement/parse.js';
import { foldConsignments } from '../aid/consignments.js';
import { summariseDwell } from '../aid/dwell.js';
import { Calendar } from '../engine/calendar.js';
import { evaluate } from '../engine/evaluate.js';
import { parseEventLines } from '../events/parse.js';
import { toJsonLines } from './builder.js';
import { generateGaza2025AidScenario } from './gaza-2025-aid.js';

const root = new URL('../../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const agreement = parseAgreement(read('examples/agreements/gaza-2025.yaml'), 'gaza-2025.yaml');
const base = parseEventLines(read('examples/scenarios/gaza-2025-synthetic.jsonl'));
const file = 'examples/scenarios/gaza-2025-aid-synthetic.jsonl';
const scenario = generateGaza2025AidScenario();
const day23Noon = '2025-02-10T12:00:00+02:00';

describe('the sample consignments (gaza-2025-aid)', () => {
  it('are exactly the committed file, valid events, in feed order', () => {
    expect(read(file)).toBe(toJsonLines(scenario.events));
    expect(parseEventLines(read(file), file)).toEqual(scenario.events);
  });

  it('name only parties and crossings of the sample agreement', () => {
    const parties = new Set(agreement.parties.map((p) => p.id));
    const crossings = new Set(
      agreement.places.filter((p) => p.kind === 'crossing').map((p) => p.id),
    );
    for (const event of scenario.events) {
      expect(parties).toContain(event.source);
      const crossing = (event.payload as { crossing?: string }).crossing;
      if (crossing) expect(crossings).toContain(crossing);
    }
  });

  it('leave the quota figures of the sample as they are (WFP is not among their sources)', () => {
    const asOf = '2025-02-11T12:00:00+02:00';
    const alone = evaluate(agreement, base, asOf).obligations;
    const both = evaluate(agreement, [...base, ...scenario.events], asOf).obligations;
    for (const id of ['aid-trucks-daily', 'aid-fuel-daily', 'aid-north-daily']) {
      const a = alone.find((o) => o.id === id);
      const b = both.find((o) => o.id === id);
      expect(b?.progress).toEqual(a?.progress);
      expect(b?.status).toBe(a?.status);
    }
  });

  it('show every documented case in the pipeline at Day 23 noon', () => {
    const asOf = Date.parse(day23Noon);
    const consignments = foldConsignments(scenario.events, { asOf });
    const marked = (mark: string) => new Set(scenario.marks[mark] ?? []);
    const flaggedBy = (kind: string, mark: string) =>
      consignments.some((c) => c.flags.some((f) => f.kind === kind && marked(mark).has(f.eventId)));
    expect(flaggedBy('duplicate', 'consignment-duplicate')).toBe(true);
    const outOfOrder = consignments.filter((c) =>
      c.steps.some((s) => marked('consignment-out-of-order').has(s.eventId)),
    );
    expect(outOfOrder.length).toBeGreaterThan(0);
    for (const c of outOfOrder) expect(c.flags.map((f) => f.kind)).toContain('out_of_order');
    expect(consignments.some((c) => c.state === 'rejected')).toBe(true);
    // The Day-22 consignments still wait at Kerem Shalom, cleared, more than 24 h later.
    const calendar = new Calendar(agreement.timeZone, agreement.zeroHour, agreement.zeroHourDay);
    const { byCrossing } = summariseDwell(consignments, {
      asOf,
      dayOf: (ms) => calendar.dayOf(ms),
    });
    const stuck = byCrossing.flatMap((s) => s.stuck.map((x) => x.consignment));
    expect(stuck.length).toBeGreaterThan(0);
    const clearedAtKeremShalom = byCrossing.find(
      (s) => s.crossing === 'kerem-shalom' && s.state === 'cleared',
    );
    expect(clearedAtKeremShalom?.count).toBeGreaterThan(20);
    expect(clearedAtKeremShalom?.medianHours).toBeGreaterThan(0);
  });
});
