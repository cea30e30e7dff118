import { z } from 'zod';
import { slug } from '../agreement/schema.js';
import { count, person, personId } from './primitives.js';

/** The steps of a handover's chain of custody, in the order they happen. */
export const handoverSteps = ['handed_to_icrc', 'received', 'medical_check', 'reunited'] as const;
/** What forensic identification of returned remains found. */
export const identificationOutcomes = ['identified', 'not_identified'] as const;

/** A personal-data field whose value is kept off the ledger (encrypted on the server). */
export const personFields = ['name', 'dateOfBirth', 'photo', 'identityNumber'] as const;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits (SHA-256)');

/** Exchanges: releases, remains, names lists. Persons are pseudonymous ids, never names. */
export const exchangePayloads = {
  hostage_released: z.object({ persons: z.array(person).min(1).max(10_000) }).strict(),
  prisoner_released: z
    .object({
      persons: z.array(person).min(1).max(10_000),
      inExchangeFor: z.array(personId).optional(),
    })
    .strict(),
  remains_returned: z.object({ persons: z.array(person).min(1).max(1000) }).strict(),
  release_withheld: z
    .object({
      obligation: slug,
      persons: count.describe('how many releases are held back'),
      reason: z.string().min(1).max(4000),
    })
    .strict(),
  names_list_delivered: z
    .object({
      forDay: z.number().int(),
      persons: z.array(personId).max(10_000),
    })
    .strict(),
  person_registered: z
    .object({
      person: person.describe('the pseudonymous id, category and whether living'),
      heldBy: slug.describe('the party holding the person (the releasing side)'),
      releaseTo: slug.optional().describe('the party the person is to be released to'),
    })
    .strict()
    .describe('a person enters the register of the exchange: held, not yet named on a list'),
  handover_step: z
    .object({
      persons: z.array(personId).min(1).max(1000),
      step: z.enum(handoverSteps),
      place: slug.describe('where the step took place (a place of the agreement)'),
      note: z.string().max(4000).optional(),
    })
    .strict()
    .describe('one step of the chain of custody, signed by the organisation that performed it'),
  remains_identified: z
    .object({
      persons: z.array(personId).min(1).max(1000),
      outcome: z.enum(identificationOutcomes),
      note: z.string().max(4000).optional(),
    })
    .strict()
    .describe('forensic identification of returned remains; not_identified means still owed'),
  person_record_committed: z
    .object({
      person: personId,
      version: z.number().int().min(1).describe('the version of the record, 1 at first'),
      fields: z
        .partialRecord(z.enum(personFields), sha256Hex)
        .refine((fields) => Object.keys(fields).length > 0, 'at least one field')
        .describe(
          'per field, SHA-256 of the JCS bytes of {field, person, salt, value}: proves the value later without disclosing it now',
        ),
    })
    .strict(),
} as const;
