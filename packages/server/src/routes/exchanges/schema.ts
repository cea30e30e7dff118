import { handoverSteps } from '@truce/core';
import { z } from 'zod';
import { instantText, slugText } from '../../http/schemas.js';

const personId = z
  .string()
  .regex(/^[A-Z]{1,3}-[0-9A-Z]{1,12}$/, 'a pseudonymous id such as H-0001');

const problem = z.object({
  code: z.string(),
  listId: z.string(),
  forDay: z.number().int(),
  message: z.string(),
});
const issue = z.object({
  code: z.string(),
  severity: z.enum(['error', 'warning']),
  eventId: z.string(),
  person: z.string(),
  message: z.string(),
});
const receipt = z.object({ seq: z.number().int(), eventId: z.string() });

export const submitListSchema = {
  tags: ['exchanges'],
  summary: 'Submit the names list for a release day, checked at once against the order rules',
  description:
    "Appends a names_list_delivered event for the signed-in user's organisation (signed with its key). The answer lists what the check found: LIST_ORDER_RULE (someone the agreement's order rules put first is still held and not on the list), LIST_PERSON_UNKNOWN, and register issues. The status shows the same as an early warning until the day is over.",
  body: z.object({
    forDay: z.number().int().min(-1000).max(10_000).describe("the agreement's day of the release"),
    persons: z.array(personId).min(1).max(10_000),
    occurredAt: instantText.optional().describe('when the list was delivered (default: now)'),
  }),
  response: {
    201: z.object({ receipt, problems: z.array(problem), issues: z.array(issue) }),
  },
};

export const recordStepSchema = {
  tags: ['exchanges'],
  summary: 'Record one step of a handover (chain of custody), signed by your organisation',
  description:
    'Steps in order: handed_to_icrc (by the releasing side or the ICRC), received, medical_check, reunited (by the receiving side). A duplicate, a step out of order, an unknown person id or a step signed by an organisation other than the one the chain expects is accepted into the ledger (nothing is lost) and flagged in `issues` with its code.',
  body: z.object({
    persons: z.array(personId).min(1).max(1000),
    step: z.enum(handoverSteps),
    place: slugText,
    occurredAt: instantText.optional(),
    note: z.string().max(4000).optional(),
  }),
  response: { 201: z.object({ receipt, issues: z.array(issue) }) },
};

export const handoverSheetSchema = {
  tags: ['exchanges'],
  summary: 'The ICRC-style handover sheet of one day (CSV), pseudonymous ids only',
  querystring: z.object({
    day: z
      .string()
      .regex(/^-?[0-9]{1,5}$/, "the agreement's day number")
      .transform(Number),
  }),
};

export const registerSchema = {
  tags: ['exchanges'],
  summary: 'The register: every person with status and history, and the issues flagged',
  description:
    'Pseudonymous ids, statuses and the chain of custody; no personal data. Reading it is audited (persons.read).',
  querystring: z.object({ asOf: instantText.optional() }),
};

export const summarySchema = {
  tags: ['exchanges'],
  summary: 'Persons by status and category; counts from 1 to 4 are null (small cells)',
  querystring: z.object({ asOf: instantText.optional() }),
};

export const personHistorySchema = {
  tags: ['persons'],
  summary: "A person's history in the register, and which personal-data fields are on record",
  description:
    'The fields on record are listed with their ledger commitments, never their values; POST …/decrypt reads a value. Audited, with the reason when one is given (the dashboard and the CLI ask for one).',
  params: z.object({ id: personId }),
  querystring: z.object({
    reason: z
      .string()
      .max(1000)
      .optional()
      .describe('why you look this person up; kept in the audit log'),
  }),
};

export const recordFieldsSchema = {
  tags: ['persons'],
  summary: "Record a person's personal data, encrypted per field; the ledger gets commitments",
  description:
    "Each field is sealed with AES-256-GCM under a data key wrapped by the server's key-encryption key, as a new version (insert-only). A person_record_committed event with a salted SHA-256 commitment per field is appended to the ledger for your organisation: the value can be proven later by disclosing it with its salt (docs/EVENTS.md).",
  params: z.object({ id: personId }),
  body: z
    .object({
      name: z.string().min(1).max(400).optional(),
      dateOfBirth: z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD')
        .optional(),
      photo: z
        .string()
        .max(700_000)
        .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'base64')
        .optional()
        .describe('a JPEG or PNG in base64, at most about 500 KB'),
      identityNumber: z.string().min(1).max(64).optional(),
    })
    .strict(),
};

export const decryptSchema = {
  tags: ['persons'],
  summary: "Read fields of a person's personal data: a reason is required and audited",
  description:
    'Allowed per role, per field and per person (packages/server/src/persons/field-access.ts). Every attempt, allowed or refused, is in the audit log with who, when, which fields and the reason (never the values). The salts are returned so that the value can be checked against the ledger commitment.',
  params: z.object({ id: personId }),
  body: z.object({
    fields: z
      .array(z.enum(['name', 'dateOfBirth', 'photo', 'identityNumber']))
      .min(1)
      .max(4),
    reason: z.string().min(10).max(1000),
  }),
};
