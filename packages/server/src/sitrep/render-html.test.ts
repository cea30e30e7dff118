import type { TruceEvent } from '@truce/core';
import { describe, expect, it } from 'vitest';
import { escapeHtml } from './html.js';
import { dictionaries, languages } from './i18n.js';
import { renderSitrepHtml } from './render-html.js';
import { prepareSitrep } from './sitrep.js';
import { sampleAgreement, sampleEvents, sampleSitrep } from './testing.js';

const sections = [
  'summary',
  'exchanges',
  'aid',
  'movement',
  'incidents',
  'disputes',
  'compliance',
  'sources',
];

describe('the HTML of the daily report', () => {
  const model = sampleSitrep('2025-01-25');

  it('has every section, the header of a monitoring report, and no script', () => {
    const html = renderSitrepHtml(model, 'en');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<html lang="en-GB" dir="ltr">');
    for (const id of sections) expect(html).toContain(`<section id="${id}">`);
    expect(html).toContain('Phase 1, Day 7 of 42');
    expect(html).toMatch(/Saturday,? 25 January 2025/);
    expect(html).toContain('Asia/Gaza');
    expect(html).toContain('events file gaza-2025-synthetic.jsonl (events: 1,231)');
    expect(html).toContain(dictionaries.en.explanationsInEnglish.replace('“', '“'));
    expect(html).toContain('@page { size: A4;');
    expect(html).toContain('@media print');
    expect(html).not.toMatch(/<script|<link|<img|\son[a-z]+=|style="/i);
    // The engine's why, as it wrote it, in English.
    const why = model.compliance[0]?.why ?? '';
    expect(html).toContain(escapeHtml(why));
  });

  it('is right to left in Arabic and Hebrew, with labels, numbers and dates of the language', () => {
    const ar = renderSitrepHtml(model, 'ar');
    expect(ar).toContain('<html lang="ar" dir="rtl">');
    expect(ar).toContain('تقرير الحالة اليومي');
    expect(ar).toContain(dictionaries.ar.explanationsInEnglish);
    expect(ar).toContain('يناير');
    const he = renderSitrepHtml(model, 'he');
    expect(he).toContain('<html lang="he" dir="rtl">');
    expect(he).toContain('דוח מצב יומי');
    expect(he).toContain(dictionaries.he.explanationsInEnglish);
    expect(he).toContain('בינואר');
    for (const html of [ar, he]) {
      for (const id of sections) expect(html).toContain(`<section id="${id}">`);
      // The why stays English, marked as such, so that it reads left to right inside the page.
      expect(html).toContain('<td class="why" lang="en" dir="ltr">');
    }
  });

  it('translates every label of every language', () => {
    const keys = (value: object): string[] =>
      Object.entries(value).flatMap(([key, inner]) =>
        inner !== null && typeof inner === 'object' ? keys(inner).map((k) => `${key}.${k}`) : [key],
      );
    const english = keys(dictionaries.en).sort();
    for (const language of languages) expect(keys(dictionaries[language]).sort()).toEqual(english);
  });

  it('escapes every string that comes from an agreement or a report', () => {
    const attack = '<script>alert("x")</script><img src=x onerror=alert(1)>';
    const events: TruceEvent[] = [
      ...sampleEvents,
      {
        id: 'x-incident',
        type: 'incident_reported',
        occurredAt: '2025-01-25T09:00:00+02:00',
        reportedAt: '2025-01-25T09:30:00+02:00',
        source: 'hamas',
        payload: { incident: `inc-${attack}`, category: 'other', description: attack },
      },
      {
        id: 'x-dispute',
        type: 'dispute_opened',
        occurredAt: '2025-01-25T09:00:00+02:00',
        reportedAt: '2025-01-25T09:30:00+02:00',
        source: 'qatar',
        payload: {
          dispute: 'x-d',
          obligations: ['phase-2-talks-begin'],
          subject: `"quoted" & ${attack}`,
          claims: [{ by: 'israel', claim: `</td></tr></table>${attack}`, evidence: [] }],
        },
      },
    ];
    const agreement = { ...sampleAgreement, title: `Truce ${attack}` };
    const hostile = prepareSitrep(
      { versions: [agreement], events, coverage: { kind: 'file', file: attack, events: 1 } },
      '2025-01-25',
      new Date('2026-01-01T00:00:00Z'),
    );
    for (const language of languages) {
      const html = renderSitrepHtml(hostile, language);
      expect(html).not.toMatch(/<script|<img|<\/td><\/tr><\/table>&lt;/i);
      expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
      expect(html).toContain('&quot;quoted&quot; &amp; ');
    }
  });
});

describe('persons in the daily report', () => {
  it('lists nobody by id and shows counts from 1 to 4 as "fewer than 5", any day, any language', () => {
    for (const date of ['2025-01-19', '2025-01-25', '2025-02-01', '2025-02-22']) {
      const model = sampleSitrep(date);
      for (const language of languages) {
        const html = renderSitrepHtml(model, language);
        // The releases (the exchanges section) name nobody; the parties' own words in a dispute
        // may cite a pseudonymous id, and are quoted as they wrote them.
        const exchanges = /<section id="exchanges">[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
        expect(exchanges.length).toBeGreaterThan(100);
        expect(exchanges, `${date} ${language}`).not.toMatch(/\b[A-Z]{1,3}-[0-9A-Z]*\d[0-9A-Z]*\b/);
        if (language === 'en') expect(exchanges).not.toMatch(/<td class="n">[1-4]<\/td>/);
        for (const row of model.exchanges.releases) {
          for (const n of [row.today, row.total]) {
            if (n > 0 && n < 5) expect(html).toContain(dictionaries[language].fewerThanFive);
          }
        }
      }
    }
  });
});
