import { createHash } from 'node:crypto';
import type { AppContext, TruceApp } from '../../http/context.js';
import { sitrepCss } from '../../sitrep/render-html.js';
import { ledgerSource, prepareSitrep, renderSitrep, sitrepFileName } from '../../sitrep/sitrep.js';
import { sitrepSchema } from './schema.js';

/** The report's one style sheet is allowed by its hash; nothing else may load or run. */
const contentSecurityPolicy = `default-src 'none'; style-src 'sha256-${createHash('sha256')
  .update(sitrepCss)
  .digest('base64')}'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`;

export function sitrepRoutes(app: TruceApp, ctx: AppContext): void {
  app.get(
    '/api/v1/sitrep',
    { config: { action: 'sitrep.read' }, schema: sitrepSchema },
    async (request, reply) => {
      const { date, lang, format, agreement } = request.query;
      const source = await ledgerSource(ctx.store, ctx.agreements, agreement);
      const model = prepareSitrep(source, date, ctx.clock());
      const rendered = await renderSitrep(model, lang, format, process.env);
      const disposition = format === 'pdf' ? 'attachment' : 'inline';
      reply
        .type(rendered.contentType)
        .header('content-security-policy', contentSecurityPolicy)
        .header('cache-control', 'no-store')
        .header(
          'content-disposition',
          `${disposition}; filename="${sitrepFileName(model, lang, format)}"`,
        );
      return reply.send(
        typeof rendered.body === 'string' ? rendered.body : Buffer.from(rendered.body),
      );
    },
  );
}
