import type { Actor } from '../../accounts/model.js';
import { type AppContext, originOf, type TruceApp } from '../../http/context.js';
import { presentReceipt } from '../../presenters/ledger.js';
import { IncidentsService, type ReportInput, type StepRequest } from './incidents-service.js';
import {
  getIncidentSchema,
  listIncidentsSchema,
  reportIncidentSchema,
  stepIncidentSchema,
} from './schema.js';

export function incidentRoutes(app: TruceApp, ctx: AppContext): void {
  const incidents = new IncidentsService(
    ctx.store,
    ctx.agreements,
    ctx.events,
    ctx.blobs,
    ctx.domainClock,
  );
  const userOf = (request: { actor: Actor }) =>
    request.actor.kind === 'anonymous' ? undefined : request.actor.user;

  app.get(
    '/api/v1/incidents',
    { config: { action: 'incidents.read' }, schema: listIncidentsSchema },
    async (request) => incidents.queue(userOf(request), request.query.asOf),
  );

  app.get(
    '/api/v1/incidents/:incident',
    { config: { action: 'incidents.read' }, schema: getIncidentSchema },
    async (request) => incidents.file(userOf(request), request.params.incident, request.query.asOf),
  );

  app.post(
    '/api/v1/incidents',
    { config: { action: 'incidents.report' }, schema: reportIncidentSchema },
    async (request, reply) => {
      const { receipt, incident, eventId } = await incidents.report(
        originOf(request),
        request.body as ReportInput,
        request.headers['idempotency-key'],
      );
      return reply
        .status(receipt.idempotent ? 200 : 201)
        .send({ incident, eventId, receipt: presentReceipt(receipt) });
    },
  );

  app.post(
    '/api/v1/incidents/:incident/steps',
    { config: { action: 'incidents.step' }, schema: stepIncidentSchema },
    async (request, reply) => {
      const { receipt, state, eventId } = await incidents.step(
        originOf(request),
        request.params.incident,
        request.body as StepRequest,
        request.headers['idempotency-key'],
      );
      return reply
        .status(receipt.idempotent ? 200 : 201)
        .send({ state, eventId, receipt: presentReceipt(receipt) });
    },
  );
}
