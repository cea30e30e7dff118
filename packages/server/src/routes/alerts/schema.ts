import { z } from 'zod';
import { alertRule, quietHours } from '../../alerts/rules.js';

const subscriptionResponse = z.object({
  id: z.string(),
  name: z.string(),
  scope: z.enum(['user', 'org']),
  ownerUser: z.string(),
  ownerOrg: z.string(),
  rule: z.record(z.string(), z.unknown()),
  webhook: z
    .object({
      url: z.string(),
      failures: z.number().int(),
      disabledAt: z.string().nullable(),
      disabledWhy: z.string().nullable(),
    })
    .nullable(),
  email: z.string().nullable(),
  quietHours: z.record(z.string(), z.unknown()).nullable(),
  createdAt: z.string(),
});

const alertResponse = z.object({
  id: z.number().int(),
  subscriptionId: z.string(),
  subscriptionName: z.string(),
  conditionKey: z.string(),
  title: z.string(),
  body: z.record(z.string(), z.unknown()),
  raisedAt: z.string(),
  readAt: z.string().nullable(),
});

const idParams = z.object({ id: z.uuid() });

export const listAlertsSchema = {
  tags: ['alerts'],
  summary: 'Your alerts (and your organisation’s), newest first, with the unread count',
  description:
    'Only alerts of subscriptions whose rule reads what your role may see now. Follow `before` (the last id of a page) for older ones.',
  querystring: z.object({
    unread: z.enum(['true', 'false']).optional(),
    limit: z
      .string()
      .regex(/^[1-9][0-9]{0,2}$/)
      .optional()
      .transform((t) => Math.min(Number(t ?? 50), 200)),
    before: z
      .string()
      .regex(/^[1-9][0-9]{0,15}$/)
      .optional()
      .transform((t) => (t === undefined ? undefined : Number(t))),
  }),
  response: { 200: z.object({ alerts: z.array(alertResponse), unread: z.number().int() }) },
};

export const readAlertsSchema = {
  tags: ['alerts'],
  summary: 'Mark alerts read (some, or all)',
  body: z.union([
    z.object({ ids: z.array(z.number().int().min(1)).min(1).max(500) }).strict(),
    z.object({ all: z.literal(true) }).strict(),
  ]),
  response: { 200: z.object({ marked: z.number().int() }) },
};

export const listSubscriptionsSchema = {
  tags: ['alerts'],
  summary: 'Your alert subscriptions and your organisation’s',
  response: { 200: z.object({ subscriptions: z.array(subscriptionResponse) }) },
};

export const createSubscriptionSchema = {
  tags: ['alerts'],
  summary: 'Subscribe to an alert rule; the webhook secret is shown once',
  description:
    'Rules: `status` (an obligation turns at_risk, breached, disputed…), `deadline` (due within N hours and unmet), `incident` (in places or of categories), `checkpoint` (not co-signed by a party within N minutes), `divergence` (a source more than X% from the figure counted), `notice` (a notice to your organisation not acknowledged in time, or escalated to it). Every alert appears in the dashboard; with `webhookUrl` it is also POSTed, signed (`Truce-Signature: t=…,v1=HMAC-SHA256(secret, "t.body")`), retried with exponential backoff, and the webhook is switched off after repeated failures, with an alert to you. `email` needs an SMTP server (TRUCE_SMTP_URL). During `quietHours`, webhooks and e-mail wait; the dashboard does not. A condition pages once and not again until it has cleared. `scope: org` (mediators): for everyone in the organisation.',
  body: z
    .object({
      name: z.string().min(1).max(200),
      rule: alertRule,
      scope: z.enum(['user', 'org']).default('user'),
      webhookUrl: z.string().max(2000).optional(),
      email: z.email().max(320).optional(),
      quietHours: quietHours.optional(),
    })
    .strict(),
  response: {
    201: z.object({
      subscription: subscriptionResponse,
      webhookSecret: z.string().nullable().describe('verify each webhook with it; shown only now'),
    }),
  },
};

export const deleteSubscriptionSchema = {
  tags: ['alerts'],
  summary: 'Unsubscribe (pending deliveries are cancelled)',
  params: idParams,
  response: { 200: z.object({ deleted: z.literal(true) }) },
};

export const enableWebhookSchema = {
  tags: ['alerts'],
  summary: 'Switch a webhook disabled after failures back on',
  params: idParams,
  body: z.object({}).strict().optional(),
  response: { 200: subscriptionResponse },
};

export const deliveriesSchema = {
  tags: ['alerts'],
  summary: 'The delivery log of a subscription: each delivery and every attempt',
  params: idParams,
  querystring: z.object({
    limit: z
      .string()
      .regex(/^[1-9][0-9]{0,2}$/)
      .optional()
      .transform((t) => Math.min(Number(t ?? 50), 200)),
  }),
  response: {
    200: z.object({
      deliveries: z.array(
        z.object({
          id: z.number().int(),
          alertId: z.number().int(),
          channel: z.enum(['webhook', 'email']),
          target: z.string(),
          state: z.enum(['pending', 'delivered', 'failed', 'cancelled']),
          attempts: z.number().int(),
          nextAttemptAt: z.string(),
          createdAt: z.string(),
          deliveredAt: z.string().nullable(),
          lastError: z.string().nullable(),
          log: z.array(
            z.object({
              at: z.string(),
              statusCode: z.number().int().nullable(),
              error: z.string().nullable(),
              durationMs: z.number().int(),
            }),
          ),
        }),
      ),
    }),
  },
};
