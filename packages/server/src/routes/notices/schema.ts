import { noticeKinds } from '@truce/core';
import { z } from 'zod';
import { instantText, receiptResponse } from '../../http/schemas.js';

const noticeIdText = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'letters, digits, ".", "_", ":" or "-"');
const orgText = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,119}$/, 'an organisation id');
const idempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,128}$/)
    .optional(),
});
const attachment = z
  .object({
    name: z.string().min(1).max(200),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    mediaType: z.string().max(200).optional(),
    bytes: z.number().int().min(0).optional(),
  })
  .strict();

const recipient = z.object({
  org: z.string(),
  state: z.enum(['sent', 'delivered', 'read', 'acknowledged', 'answered']),
  delivery: z
    .object({
      at: z.string(),
      channel: z.string(),
      by: z.string(),
      reference: z.string().nullable(),
      eventId: z.string(),
    })
    .nullable(),
  readAt: z.string().nullable(),
  acknowledgedAt: z.string().nullable(),
  answeredAt: z.string().nullable(),
  answer: z.object({ body: z.string(), eventId: z.string() }).nullable(),
  overdue: z.boolean(),
  eventIds: z.array(z.string()),
});

export const noticeResponse = z.object({
  notice: z.string(),
  eventId: z.string(),
  from: z.string(),
  kind: z.string(),
  subject: z.string(),
  body: z.string(),
  to: z.array(z.string()),
  via: z.array(z.string()),
  attachments: z.array(attachment),
  sentAt: z.string(),
  replyBy: z.string().nullable(),
  forDay: z.number().nullable(),
  regarding: z.string().nullable(),
  acknowledgeBy: z.string(),
  recipients: z.array(recipient),
  overdue: z.boolean(),
  answerOverdue: z.boolean(),
  escalations: z.array(
    z.object({ to: z.string(), orgs: z.array(z.string()), at: z.string(), cleared: z.boolean() }),
  ),
  nextEscalation: z.object({ to: z.string(), at: z.string() }).nullable(),
  /** For the caller's organisation. */
  direction: z.enum(['inbox', 'outbox', 'other']),
  /** The caller's organisation is a recipient that has not acknowledged yet. */
  awaitingMyAcknowledgement: z.boolean(),
});

export const listNoticesSchema = {
  tags: ['notices'],
  summary: 'Notices to, from or through your organisation, each with its state per recipient',
  description:
    'Derived from the notice events in the ledger as known at `asOf` (default: now): delivered, read, acknowledged and answered per recipient, overdue acknowledgements and the escalation steps reached. Mediators see every notice.',
  querystring: z.object({
    asOf: instantText.optional(),
    box: z.enum(['inbox', 'outbox', 'all']).default('all'),
    awaiting: z
      .enum(['true', 'false'])
      .optional()
      .describe('true: only notices your organisation has not yet acknowledged'),
  }),
  response: {
    200: z.object({
      asOf: z.string(),
      notices: z.array(noticeResponse),
      warnings: z.array(z.object({ eventId: z.string(), message: z.string() })),
    }),
  },
};

export const getNoticeSchema = {
  tags: ['notices'],
  summary: 'One notice with its state per recipient',
  params: z.object({ id: noticeIdText }),
  response: { 200: noticeResponse },
};

export const sendNoticeSchema = {
  tags: ['notices'],
  summary: "Send a notice from your organisation (signed as your organisation's event)",
  description:
    'Becomes a notice_sent event (docs/EVENTS.md). `notice` (the id) is generated when absent. Attachments go by SHA-256: the file itself travels through the channel, the ledger proves what it was.',
  headers: idempotencyHeaders,
  body: z
    .object({
      notice: noticeIdText.optional(),
      kind: z.enum(noticeKinds),
      to: z.array(orgText).min(1).max(50),
      via: z.array(orgText).max(10).optional(),
      subject: z.string().min(1).max(300),
      body: z.string().max(20_000).optional(),
      attachments: z.array(attachment).max(50).optional(),
      replyBy: instantText.optional(),
      forDay: z.number().int().optional(),
      regarding: orgText.optional(),
      occurredAt: instantText.optional().describe('when it was sent; default now'),
    })
    .strict(),
  response: {
    201: z.object({ notice: z.string(), receipt: receiptResponse }),
    200: z.object({ notice: z.string(), receipt: receiptResponse }),
  },
};

const recordBody = {
  occurredAt: instantText.optional().describe('when it happened; default now'),
};

export const deliverNoticeSchema = {
  tags: ['notices'],
  summary: 'Record that a notice reached a recipient (mediators, or the sender)',
  headers: idempotencyHeaders,
  params: z.object({ id: noticeIdText }),
  body: z
    .object({
      to: orgText,
      channel: z.enum(['portal', 'email', 'phone', 'fax', 'in_person', 'liaison', 'other']),
      reference: z.string().max(500).optional(),
      ...recordBody,
    })
    .strict(),
  response: { 201: receiptResponse, 200: receiptResponse },
};

export const readNoticeSchema = {
  tags: ['notices'],
  summary: 'Record that your organisation read a notice addressed to it',
  headers: idempotencyHeaders,
  params: z.object({ id: noticeIdText }),
  body: z.object(recordBody).strict(),
  response: { 201: receiptResponse, 200: receiptResponse },
};

export const acknowledgeNoticeSchema = {
  tags: ['notices'],
  summary: 'Acknowledge a notice addressed to your organisation',
  headers: idempotencyHeaders,
  params: z.object({ id: noticeIdText }),
  body: z.object({ note: z.string().max(4000).optional(), ...recordBody }).strict(),
  response: { 201: receiptResponse, 200: receiptResponse },
};

export const answerNoticeSchema = {
  tags: ['notices'],
  summary: 'Answer a notice addressed to your organisation (an answer also acknowledges it)',
  headers: idempotencyHeaders,
  params: z.object({ id: noticeIdText }),
  body: z
    .object({
      body: z.string().min(1).max(20_000),
      attachments: z.array(attachment).max(50).optional(),
      ...recordBody,
    })
    .strict(),
  response: { 201: receiptResponse, 200: receiptResponse },
};
