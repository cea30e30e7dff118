import { alertsOf } from '../../alerts/alerts-service.js';
import { WebhookTargets } from '../../alerts/webhook-targets.js';
import type { AppContext, TruceApp } from '../../http/context.js';
import { presentSubscription } from '../../presenters/alerts.js';
import {
  createSubscriptionSchema,
  deleteSubscriptionSchema,
  deliveriesSchema,
  enableWebhookSchema,
  listAlertsSchema,
  listSubscriptionsSchema,
  readAlertsSchema,
} from './schema.js';

export function alertRoutes(app: TruceApp, ctx: AppContext): void {
  const pollMs = Number(process.env.TRUCE_ALERTS_POLL_MS ?? 5000);
  const alerts = alertsOf(ctx, {
    pollMs: Number.isFinite(pollMs) ? pollMs : 5000,
    mailer: ctx.mailer,
    webhookTargets: WebhookTargets.fromEnvironment(),
  });
  // The worker runs in every process that serves (each tick is safe to run concurrently);
  // servers built for tests that only inject requests never start it.
  app.addHook('onListen', async () => alerts.start());
  app.addHook('preClose', async () => alerts.stop());

  app.get(
    '/api/v1/alerts',
    { config: { action: 'alerts.read' }, schema: listAlertsSchema },
    async (request) =>
      alerts.alerts(request.actor, {
        unread: request.query.unread === 'true',
        limit: request.query.limit,
        before: request.query.before,
      }),
  );

  app.post(
    '/api/v1/alerts/read',
    { config: { action: 'alerts.write' }, schema: readAlertsSchema },
    async (request) => ({
      marked: await alerts.markRead(
        request.actor,
        'ids' in request.body ? request.body.ids : 'all',
      ),
    }),
  );

  app.get(
    '/api/v1/alerts/subscriptions',
    { config: { action: 'alerts.read' }, schema: listSubscriptionsSchema },
    async (request) => ({
      subscriptions: (await alerts.subscriptions(request.actor)).map(presentSubscription),
    }),
  );

  app.post(
    '/api/v1/alerts/subscriptions',
    { config: { action: 'alerts.write' }, schema: createSubscriptionSchema },
    async (request, reply) => {
      const { subscription, webhookSecret } = await alerts.subscribe(request.actor, request.body);
      reply.header('cache-control', 'no-store');
      return reply
        .status(201)
        .send({ subscription: presentSubscription(subscription), webhookSecret });
    },
  );

  app.delete(
    '/api/v1/alerts/subscriptions/:id',
    { config: { action: 'alerts.write' }, schema: deleteSubscriptionSchema },
    async (request) => {
      await alerts.unsubscribe(request.actor, request.params.id);
      return { deleted: true as const };
    },
  );

  app.post(
    '/api/v1/alerts/subscriptions/:id/webhook/enable',
    { config: { action: 'alerts.write' }, schema: enableWebhookSchema },
    async (request) =>
      presentSubscription(await alerts.enableWebhook(request.actor, request.params.id)),
  );

  app.get(
    '/api/v1/alerts/subscriptions/:id/deliveries',
    { config: { action: 'alerts.read' }, schema: deliveriesSchema },
    async (request) => ({
      deliveries: await alerts.deliveries(request.actor, request.params.id, request.query.limit),
    }),
  );
}
