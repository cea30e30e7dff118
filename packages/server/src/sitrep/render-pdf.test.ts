import { describe, expect, it } from 'vitest';
import { renderSitrepHtml } from './render-html.js';
import { chromiumAvailable, chromiumPath, htmlToPdf } from './render-pdf.js';
import { renderSitrep } from './sitrep.js';
import { sampleSitrep } from './testing.js';

const chromium = chromiumPath(process.env);
const available = chromiumAvailable(chromium);
// In CI the PDF must be printed; elsewhere a machine without Chromium skips it.
const mustRun = process.env.CI === 'true';

describe('the PDF of the daily report', () => {
  it.runIf(available || mustRun)(
    'is printed by headless Chromium, left to right and right to left',
    async () => {
      const model = sampleSitrep('2025-01-25');
      for (const language of ['en', 'ar'] as const) {
        const pdf = await renderSitrep(model, language, 'pdf', process.env);
        expect(pdf.contentType).toBe('application/pdf');
        const bytes = pdf.body as Uint8Array;
        expect(Buffer.from(bytes.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
        expect(bytes.length).toBeGreaterThan(10_000);
      }
    },
    120_000,
  );

  it('says what to do when Chromium is missing, with a stable code', async () => {
    const html = renderSitrepHtml(sampleSitrep('2025-01-25'), 'en');
    await expect(
      htmlToPdf(html, { TRUCE_CHROMIUM: '/nonexistent/chromium' }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('TRUCE_CHROMIUM'),
    });
  });
});
