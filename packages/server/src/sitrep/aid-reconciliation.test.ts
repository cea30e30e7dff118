import { describe, expect, it } from 'vitest';
import { escapeHtml } from './html.js';
import { renderSitrepHtml } from './render-html.js';
import { sampleSitrep } from './testing.js';

describe('the daily report’s aid section', () => {
  it('says under each daily quota how the last reconciled day’s sources differ, and why', () => {
    const model = sampleSitrep('2025-01-25');
    const trucks = model.aid.daily.find((table) => table.id === 'aid-trucks-daily');
    // The UN reports two days late: on Day 7 the last day with both sources is Day 5.
    expect(trucks?.reconciliation?.day).toBe(5);
    const [text] = trucks?.reconciliation?.text ?? [];
    expect(text).toMatch(
      /^cogat [\d,]+, un [\d,]+: [\d,]+ explained by crossings out of scope, [\d,]+ by half-loads, -?[\d,]+ unexplained$/,
    );
    const html = renderSitrepHtml(model, 'en');
    expect(html).toContain(
      `Sources reconciled, Day 5: <span lang="en" dir="ltr"><bdi>${escapeHtml(text ?? '')}</bdi>`,
    );
    expect(renderSitrepHtml(model, 'ar')).toContain('مطابقة المصادر، اليوم');
  });
});
