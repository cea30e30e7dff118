import { type AppContext, originOf, type TruceApp } from '../../http/context.js';
import { domainNow, ExchangesService } from './exchanges-service.js';
import {
  decryptSchema,
  handoverSheetSchema,
  personHistorySchema,
  recordFieldsSchema,
  recordStepSchema,
  registerSchema,
  submitListSchema,
  summarySchema,
} from './schema.js';

/** Lists, handover steps, the register, the handover sheet, and person data (persons/). */
export function exchangeRoutes(app: TruceApp, ctx: AppContext): void {
  const exchanges = new ExchangesService(ctx);
  const auditRead = async (
    request: Parameters<typeof originOf>[0],
    target: string,
    route: string,
    reason?: string,
  ) => {
    const { actor } = originOf(request);
    await ctx.audit.append({
      at: ctx.clock().toISOString(),
      actor: actor.kind === 'anonymous' ? undefined : actor.user.id,
      actorOrg: actor.kind === 'anonymous' ? undefined : actor.user.orgId,
      action: 'persons.read',
      target,
      outcome: 'success',
      ip: request.ip,
      details: { route, ...(reason ? { reason } : {}) },
    });
  };

  app.post(
    '/api/v1/exchanges/lists',
    { config: { action: 'exchanges.submit' }, schema: submitListSchema },
    async (request, reply) => {
      const result = await exchanges.submitList(originOf(request), request.body);
      return reply.status(201).send({
        receipt: { seq: result.receipt.seq, eventId: result.eventId },
        problems: result.problems,
        issues: result.issues,
      });
    },
  );

  app.post(
    '/api/v1/exchanges/steps',
    { config: { action: 'exchanges.submit' }, schema: recordStepSchema },
    async (request, reply) => {
      const result = await exchanges.recordStep(originOf(request), request.body);
      return reply.status(201).send({
        receipt: { seq: result.receipt.seq, eventId: result.eventId },
        issues: result.issues,
      });
    },
  );

  app.get(
    '/api/v1/exchanges/register',
    { config: { action: 'exchanges.read' }, schema: registerSchema },
    async (request) => {
      const { register } = await exchanges.register(request.query.asOf);
      await auditRead(request, 'register', 'exchanges/register');
      return register;
    },
  );

  app.get(
    '/api/v1/exchanges/summary',
    { config: { action: 'exchanges.summary' }, schema: summarySchema },
    async (request) => exchanges.summary(request.query.asOf),
  );

  app.get(
    '/api/v1/exchanges/handover-sheet.csv',
    { config: { action: 'exchanges.read' }, schema: handoverSheetSchema },
    async (request, reply) => {
      const csv = await exchanges.handoverSheet(request.query.day);
      await auditRead(
        request,
        `handover-sheet day ${request.query.day}`,
        'exchanges/handover-sheet',
      );
      return reply
        .type('text/csv; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="handover-day-${request.query.day}.csv"`,
        )
        .send(csv);
    },
  );

  app.get(
    '/api/v1/persons/:id/history',
    { config: { action: 'exchanges.read' }, schema: personHistorySchema },
    async (request) => {
      const { register } = await exchanges.register();
      const person = register.persons.find((p) => p.id === request.params.id) ?? null;
      const fields = await ctx.persons.fieldsOnRecord(request.params.id);
      await auditRead(request, request.params.id, 'persons/history', request.query.reason);
      return {
        person,
        issues: register.issues.filter((i) => i.person === request.params.id),
        fieldsOnRecord: fields,
      };
    },
  );

  app.post(
    '/api/v1/persons/:id/fields',
    { config: { action: 'persons.write' }, schema: recordFieldsSchema },
    async (request, reply) => {
      const origin = originOf(request);
      const recorded = await ctx.persons.record(origin, request.params.id, request.body);
      // The commitment goes to the ledger, signed by the organisation that recorded the data.
      const receipt = await ctx.events.submitOnBehalf(
        origin,
        {
          type: 'person_record_committed',
          occurredAt: domainNow(ctx).toISOString(),
          payload: {
            person: recorded.person,
            version: recorded.version,
            fields: recorded.commitments,
          },
        },
        undefined,
      );
      return reply.status(201).send({ ...recorded, seq: receipt.seq });
    },
  );

  app.post(
    '/api/v1/persons/:id/decrypt',
    { config: { action: 'persons.decrypt' }, schema: decryptSchema },
    async (request) =>
      ctx.persons.decrypt(
        originOf(request),
        request.params.id,
        request.body.fields,
        request.body.reason,
      ),
  );
}
