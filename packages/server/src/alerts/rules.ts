import { slug, timeZone } from '@truce/core';
import { z } from 'zod';

/**
 * What users and organisations can subscribe to. Each rule names conditions computed from the
 * ledger and the engine's evaluation; a condition pages once when it starts to hold and not
 * again until it has cleared (see alerts-service.ts).
 */
export const alertRule = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('status'),
      to: z
        .array(z.enum(['at_risk', 'breached', 'disputed', 'late']))
        .min(1)
        .default(['at_risk', 'breached', 'disputed']),
      obligations: z.array(slug).max(200).optional().describe('default: every obligation'),
    })
    .strict()
    .describe('an obligation changes status to one of `to`'),
  z
    .object({
      kind: z.literal('deadline'),
      withinHours: z
        .number()
        .min(0)
        .max(24 * 60),
      obligations: z.array(slug).max(200).optional(),
    })
    .strict()
    .describe('an obligation is due within `withinHours` and not yet met'),
  z
    .object({
      kind: z.literal('incident'),
      places: z.array(slug).max(200).optional().describe('places (areas) of the agreement'),
      categories: z.array(slug).max(50).optional(),
    })
    .strict()
    .describe('an incident is reported in one of `places` or of one of `categories`'),
  z
    .object({
      kind: z.literal('checkpoint'),
      party: slug.describe('the witness (organisation) expected to co-sign'),
      withinMinutes: z
        .number()
        .int()
        .min(1)
        .max(7 * 24 * 60),
    })
    .strict()
    .describe('the latest checkpoint is not co-signed by `party` within `withinMinutes`'),
  z
    .object({
      kind: z.literal('divergence'),
      percent: z.number().min(0).max(1000),
      obligations: z.array(slug).max(200).optional(),
    })
    .strict()
    .describe("a source's figure differs from the reconciled one by more than `percent`"),
  z
    .object({
      kind: z.literal('digest'),
      at: z
        .string()
        .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM')
        .default('07:00'),
      timeZone: timeZone.default('UTC'),
    })
    .strict()
    .describe(
      'once a day at `at`: the obligations by status, those at risk, breached or disputed, and the notices awaiting acknowledgement',
    ),
  z
    .object({ kind: z.literal('notice') })
    .strict()
    .describe(
      "a notice to the subscriber's organisation is not acknowledged in time, or one climbs the escalation ladder to it",
    ),
]);
export type AlertRule = z.output<typeof alertRule>;

export const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM');

export const quietHours = z
  .object({
    from: clockTime,
    to: clockTime,
    timeZone: timeZone.default('UTC'),
  })
  .strict()
  .describe('webhooks and e-mail wait until the end of these hours; the dashboard does not');
export type QuietHours = z.output<typeof quietHours>;

/** Whether `at` falls within the quiet hours, and when they end (ms) if so. */
export function quietUntil(hours: QuietHours | null, at: number): number | null {
  if (!hours) return null;
  const minuteOf = (text: string) => Number(text.slice(0, 2)) * 60 + Number(text.slice(3, 5));
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: hours.timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(at));
  const local =
    Number(parts.find((p) => p.type === 'hour')?.value) * 60 +
    Number(parts.find((p) => p.type === 'minute')?.value);
  const from = minuteOf(hours.from);
  const to = minuteOf(hours.to);
  const inside = from <= to ? local >= from && local < to : local >= from || local < to;
  if (!inside) return null;
  const minutesLeft = (to - local + 24 * 60) % (24 * 60);
  const secondsIn = new Date(at).getUTCSeconds() * 1000 + new Date(at).getUTCMilliseconds();
  return at + minutesLeft * 60_000 - secondsIn;
}
