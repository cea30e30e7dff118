import { z } from 'zod';
import { slugText } from '../../http/schemas.js';
import { languages } from '../../sitrep/i18n.js';
import { sitrepFormats } from '../../sitrep/sitrep.js';

export const sitrepSchema = {
  tags: ['status'],
  summary: 'The daily situation report of one day, as HTML or PDF',
  description:
    "A self-contained document (docs/SITREP.md): phase and day, what changed since the day before, exchanges, aid, movement and returns, incidents and findings, open disputes, every obligation's status and why, and the sources, as of the last instant of `date` in the agreement's time zone (or now, while that day runs). The answer is text/html or application/pdf, not JSON; `lang` ar and he are right to left. A PDF needs Chromium on the server (NOT_FOUND otherwise). `agreement` picks another uploaded agreement than the last one uploaded.",
  querystring: z.object({
    date: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD')
      .describe("a calendar date in the agreement's time zone"),
    lang: z.enum(languages).default('en'),
    format: z.enum(sitrepFormats).default('html'),
    agreement: slugText.optional(),
  }),
};
