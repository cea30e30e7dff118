import type { Evaluation } from '@truce/core';
import { z } from 'zod';
import type { AppContext, TruceApp } from '../../http/context.js';
import { etagOf, sendSerialised } from '../../http/etag.js';
import type { StatusAudience } from '../../presenters/person-counts.js';
import { audienceOf, presentStatus } from '../../presenters/status.js';
import { statusResponse, statusSchema } from './schema.js';

/**
 * The body of each evaluation, serialised once through the response schema: the status service
 * hands out the same Evaluation object for the same ledger position, agreement and asOf, so
 * the requests that share it share these bytes and their ETag too. Disposable with it.
 */
const presented = new WeakMap<Evaluation, Map<StatusAudience, { body: string; etag: string }>>();

export function statusRoutes(app: TruceApp, ctx: AppContext): void {
  app.get(
    '/api/v1/status',
    { config: { action: 'status.read' }, schema: statusSchema },
    async (request, reply) => {
      const { evaluation, ledgerSize } = await ctx.status.evaluation(
        request.query.asOf,
        request.query.agreement,
      );
      // Observers see aggregates only: small counts of persons suppressed (person-counts.ts).
      const audience = audienceOf(
        request.actor.kind === 'anonymous' ? undefined : request.actor.user.role,
      );
      const views = presented.get(evaluation) ?? new Map();
      presented.set(evaluation, views);
      let view = views.get(audience);
      if (view === undefined) {
        const body = JSON.stringify(
          z.encode(statusResponse, presentStatus(evaluation, ledgerSize, audience)),
        );
        view = { body, etag: etagOf(body) };
        views.set(audience, view);
      }
      return sendSerialised(request, reply, view);
    },
  );
}
