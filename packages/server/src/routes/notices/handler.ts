import { TruceError } from '@truce/core';
import { type AppContext, originOf, type TruceApp } from '../../http/context.js';
import { presentReceipt } from '../../presenters/ledger.js';
import { presentNotice } from '../../presenters/notices.js';
import { noticesOf } from './notices-service.js';
import {
  acknowledgeNoticeSchema,
  answerNoticeSchema,
  deliverNoticeSchema,
  getNoticeSchema,
  listNoticesSchema,
  readNoticeSchema,
  sendNoticeSchema,
} from './schema.js';

export function noticeRoutes(app: TruceApp, ctx: AppContext): void {
  const notices = noticesOf(ctx);
  const orgOf = (request: { actor: { kind: string; user?: { orgId: string } } }) =>
    request.actor.kind === 'anonymous' ? undefined : request.actor.user?.orgId;

  app.get(
    '/api/v1/notices',
    { config: { action: 'notices.read' }, schema: listNoticesSchema },
    async (request) => {
      const asOf = request.query.asOf ?? (await notices.now());
      const fold = await notices.fold(Date.parse(asOf));
      const org = orgOf(request);
      let list = notices.visibleTo(request.actor, fold).map((n) => presentNotice(n, org));
      const { box, awaiting } = request.query;
      if (box !== 'all') list = list.filter((n) => n.direction === box);
      if (awaiting === 'true') list = list.filter((n) => n.awaitingMyAcknowledgement);
      const ids = new Set(list.map((n) => n.eventId));
      return {
        asOf,
        notices: list,
        // Warnings name events; only those about notices the caller may see.
        warnings:
          request.actor.kind !== 'anonymous' && request.actor.user.role === 'mediator'
            ? fold.warnings
            : fold.warnings.filter((w) => ids.has(w.eventId)),
      };
    },
  );

  app.get(
    '/api/v1/notices/:id',
    { config: { action: 'notices.read' }, schema: getNoticeSchema },
    async (request) => {
      const fold = await notices.fold(Date.parse(await notices.now()));
      const found = notices
        .visibleTo(request.actor, fold)
        .find((n) => n.notice === request.params.id);
      if (!found) throw new TruceError('NOT_FOUND', `no notice ${request.params.id} you may see`);
      return presentNotice(found, orgOf(request));
    },
  );

  app.post(
    '/api/v1/notices',
    { config: { action: 'notices.write' }, schema: sendNoticeSchema },
    async (request, reply) => {
      const { notice, occurredAt, ...payload } = request.body;
      const sent = await notices.send(
        originOf(request),
        { notice, occurredAt, payload },
        request.headers['idempotency-key'],
      );
      return reply
        .status(sent.receipt.idempotent ? 200 : 201)
        .send({ notice: sent.notice, receipt: presentReceipt(sent.receipt) });
    },
  );

  const record = (
    url: string,
    type: 'notice_delivered' | 'notice_read' | 'notice_acknowledged' | 'notice_answered',
    schema:
      | typeof deliverNoticeSchema
      | typeof readNoticeSchema
      | typeof acknowledgeNoticeSchema
      | typeof answerNoticeSchema,
  ) =>
    app.post(
      url,
      { config: { action: 'notices.write' }, schema: schema as typeof readNoticeSchema },
      async (request, reply) => {
        const { occurredAt, ...payload } = request.body as Record<string, unknown> & {
          occurredAt?: string;
        };
        const receipt = await notices.record(
          originOf(request),
          type,
          request.params.id,
          payload,
          occurredAt,
          request.headers['idempotency-key'],
        );
        return reply.status(receipt.idempotent ? 200 : 201).send(presentReceipt(receipt));
      },
    );
  record('/api/v1/notices/:id/deliveries', 'notice_delivered', deliverNoticeSchema);
  record('/api/v1/notices/:id/read', 'notice_read', readNoticeSchema);
  record('/api/v1/notices/:id/acknowledgements', 'notice_acknowledged', acknowledgeNoticeSchema);
  record('/api/v1/notices/:id/answers', 'notice_answered', answerNoticeSchema);
}
