import { personFields } from '@truce/core';
import type { Actor, Role } from '../accounts/model.js';

/**
 * Who may decrypt which field of whose record: the per-field, per-person rule behind the
 * `persons.decrypt` action of policies/matrix.ts (which says who may ask at all). Tested as a
 * matrix in persons.test.ts. Names and faces are what a handover needs to be checked; identity
 * numbers only the agency running it (the ICRC) and the organisation that recorded them.
 */
export type PersonField = (typeof personFields)[number];

export const fieldAccess: Record<
  Role,
  { fields: readonly PersonField[]; ownRecordsOnly: boolean; why: string }
> = {
  agency: {
    fields: personFields,
    ownRecordsOnly: false,
    why: 'the ICRC identifies every person at the handover',
  },
  mediator: {
    fields: ['name', 'dateOfBirth', 'photo'],
    ownRecordsOnly: false,
    why: 'mediators check the names lists against the agreement; they never need an identity number',
  },
  party_liaison: {
    fields: personFields,
    ownRecordsOnly: true,
    why: "a party's liaison reads only the records its own organisation entered",
  },
  monitor: { fields: [], ownRecordsOnly: true, why: 'monitors work from aggregates' },
  observer: { fields: [], ownRecordsOnly: true, why: 'observers see aggregates only' },
};

/** The fields of a record (entered by `recordOrg`) the actor may decrypt. */
export function decryptableFields(actor: Actor, recordOrg: string): PersonField[] {
  if (actor.kind === 'anonymous') return [];
  const rule = fieldAccess[actor.user.role];
  if (rule.ownRecordsOnly && actor.user.orgId !== recordOrg) return [];
  return [...rule.fields];
}
