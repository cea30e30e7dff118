import { z } from 'zod';
import { instant, noticeKinds, slug } from '../agreement/schema.js';

/** What a notice is about; an agreement may require notices of a kind (`kind: notice`). */
export type NoticeKind = (typeof noticeKinds)[number];

/** How a notice reached a recipient: the answer to "we never received it". */
export const deliveryChannels = [
  'portal',
  'email',
  'phone',
  'fax',
  'in_person',
  'liaison',
  'other',
] as const;

const noticeId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits, ".", "_", ":" or "-"')
  .describe('the id of the notice, chosen by the sender; later events name it');

/** A document sent with a notice, by its hash: the ledger holds the proof, not the bytes. */
const attachment = z
  .object({
    name: z.string().min(1).max(200),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'the SHA-256 of the file, 64 lower-case hex digits'),
    mediaType: z.string().max(200).optional(),
    bytes: z.number().int().min(0).optional(),
  })
  .strict();

/**
 * Notices between the parties, passed through the mediators, and what happened to each: delivered
 * (to whom, when, how), read, acknowledged, answered. Each is a signed event, so the cell can show
 * what was sent and when it was delivered, and no one can deny it afterwards. The state of every
 * notice per recipient is a fold of these events (`foldNotices`), never stored.
 */
export const noticePayloads = {
  notice_sent: z
    .object({
      notice: noticeId,
      kind: z.enum(noticeKinds),
      to: z.array(slug).min(1).max(50).describe('the organisations the notice is addressed to'),
      via: z
        .array(slug)
        .max(10)
        .optional()
        .describe('the mediators that pass it on (default: every mediator of the agreement)'),
      subject: z.string().min(1).max(300),
      body: z.string().max(20_000).default(''),
      attachments: z.array(attachment).max(50).default([]),
      replyBy: instant.optional().describe('when an answer is expected'),
      forDay: z
        .number()
        .int()
        .optional()
        .describe('the day the notice is for (a names list: the day of the release)'),
      regarding: slug.optional().describe('the obligation the notice concerns'),
    })
    .strict(),
  notice_delivered: z
    .object({
      notice: noticeId,
      to: slug.describe('the recipient it reached'),
      channel: z.enum(deliveryChannels),
      reference: z
        .string()
        .max(500)
        .optional()
        .describe('a receipt, message id or the name of the desk that took it'),
    })
    .strict(),
  notice_read: z.object({ notice: noticeId }).strict(),
  notice_acknowledged: z
    .object({ notice: noticeId, note: z.string().max(4000).optional() })
    .strict(),
  notice_answered: z
    .object({
      notice: noticeId,
      body: z.string().min(1).max(20_000),
      attachments: z.array(attachment).max(50).default([]),
    })
    .strict(),
} as const;
