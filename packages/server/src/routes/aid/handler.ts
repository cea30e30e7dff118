import type { AppContext, TruceApp } from '../../http/context.js';
import { AidService } from './aid-service.js';
import {
  consignmentSchema,
  consignmentsSchema,
  crossingsSchema,
  pipelineSchema,
  reconciliationSchema,
} from './schema.js';

const flag = (text: 'true' | 'false' | undefined) =>
  text === undefined ? undefined : text === 'true';

export function aidRoutes(app: TruceApp, ctx: AppContext): void {
  const aid = new AidService(ctx.store, ctx.agreements, ctx.domainClock);

  app.get(
    '/api/v1/aid/crossings',
    { config: { action: 'aid.summary' }, schema: crossingsSchema },
    async (request) => aid.crossings(request.query.asOf),
  );

  app.get(
    '/api/v1/aid/consignments',
    { config: { action: 'aid.read' }, schema: consignmentsSchema },
    async (request) => {
      const { asOf, flagged, stuck, ...filter } = request.query;
      return aid.consignments(asOf, { ...filter, flagged: flag(flagged), stuck: flag(stuck) });
    },
  );

  app.get(
    '/api/v1/aid/consignments/:consignment',
    { config: { action: 'aid.read' }, schema: consignmentSchema },
    async (request) => aid.consignment(request.params.consignment, request.query.asOf),
  );

  app.get(
    '/api/v1/aid/pipeline',
    { config: { action: 'aid.read' }, schema: pipelineSchema },
    async (request) =>
      aid.pipeline(request.query.asOf, request.query.fromDay, request.query.untilDay),
  );

  app.get(
    '/api/v1/aid/reconciliation',
    { config: { action: 'aid.summary' }, schema: reconciliationSchema },
    async (request) =>
      aid.reconciliation(request.query.asOf, request.query.fromDay, request.query.untilDay),
  );
}
