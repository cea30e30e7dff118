import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../evidence.ts';
import { I18nProvider } from '../i18n.tsx';
import { ReportIncident, zonedInstant } from './incident-report.tsx';

describe('the incident report form', () => {
  it('reads the time a user types in the agreement’s zone, summer time included', () => {
    expect(zonedInstant('2025-01-30T14:00', 'Asia/Gaza')).toBe('2025-01-30T14:00:00+02:00');
    expect(zonedInstant('2025-06-01T12:00', 'Asia/Gaza')).toBe('2025-06-01T12:00:00+03:00');
    expect(zonedInstant('2025-06-01T12:00', 'UTC')).toBe('2025-06-01T12:00:00+00:00');
  });

  it('keeps the fields a report is made of, each in its label', () => {
    const html = renderToStaticMarkup(
      createElement(
        I18nProvider,
        null,
        createElement(ReportIncident, {
          agreement: undefined,
          now: '2025-01-30T14:00:00+02:00',
          onDone: () => {},
        }),
      ),
    );
    expect([...html.matchAll(/ name="([^"]+)"/g)].map((m) => m[1])).toEqual([
      'incident',
      'category',
      'occurredAt',
      'place',
      'lat',
      'lon',
      'against',
      'obligation',
      'clause',
      'description',
      'evidence',
    ]);
    const latitude = /<label>[^<]*(<input[^>]*name="lat"[^>]*>)/.exec(html)?.[1];
    expect(latitude).toContain('min="-90"');
    expect(latitude).toContain('type="number"');
  });

  it('hashes evidence as the server checks it (SHA-256, lower-case hex)', async () => {
    const bytes = new TextEncoder().encode('abc');
    expect(await sha256Hex(bytes.buffer)).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});
