import { personFields, personId, TruceError } from '@truce/core';
import type { PersonField } from '../persons/field-access.js';
import { userHelp, withCellAs } from './exchanges-cell.js';
import type { CliIo } from './io.js';

export const historyHelp = `history ID: one person's history in the cell's database (--data or DATABASE_URL): status,
each step of the chain of custody with when, where and who signed it, what the register
flagged, and which personal-data fields are on record (commitments, never values). With
--fields, the roles that may (persons.decrypt) also see those values. Every read is written
to the audit log with who, when and the reason.

Options of history:
${userHelp}
  --reason TEXT    why you need it (required, at least 10 characters; kept in the audit log)
  --fields F,F…    also decrypt these fields: ${personFields.join(', ')}
  --json           print it as JSON

Example:
  truce persons history H-0001 --user icrc@example.org --reason "Day 7 handover check"
`;

export const historyOptions = {
  user: { type: 'string' },
  reason: { type: 'string' },
  fields: { type: 'string' },
  json: { type: 'boolean' },
} as const;

interface HistoryValues {
  data: string;
  user?: string | undefined;
  reason?: string | undefined;
  fields?: string | undefined;
  json?: boolean | undefined;
}

function fieldsOf(text: string | undefined): PersonField[] {
  const fields = (text ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  const unknown = fields.filter((f) => !(personFields as readonly string[]).includes(f));
  if (unknown.length > 0) {
    throw new TruceError(
      'USAGE',
      `--fields: ${unknown.join(', ')} ${unknown.length > 1 ? 'are' : 'is'} not a field of a person's record (${personFields.join(', ')})`,
    );
  }
  return [...new Set(fields)] as PersonField[];
}

export async function historyCommand(
  id: string,
  values: HistoryValues,
  io: CliIo,
): Promise<number> {
  if (!personId.safeParse(id).success) {
    throw new TruceError(
      'USAGE',
      `"${id}" is not a pseudonymous id like H-0001 or P-0001; run \`truce persons --help\``,
    );
  }
  const reason = values.reason?.trim() ?? '';
  if (reason.length < 10) {
    throw new TruceError(
      'USAGE',
      'say why you need this person’s history with --reason (at least 10 characters); it is kept in the audit log',
    );
  }
  const fields = fieldsOf(values.fields);
  const actions =
    fields.length > 0
      ? (['exchanges.read', 'persons.decrypt'] as const)
      : (['exchanges.read'] as const);
  return withCellAs(values.data, io, values.user, actions, async (cell) => {
    const { actor } = cell.origin;
    const user = actor.kind === 'anonymous' ? undefined : actor.user;
    const { register } = await cell.exchanges.register();
    const person = register.persons.find((p) => p.id === id) ?? null;
    const onRecord = await cell.persons.fieldsOnRecord(id);
    // Audited before anything is shown, as the API's GET /api/v1/persons/{id}/history.
    await cell.audit.append({
      at: io.now().toISOString(),
      actor: user?.id,
      actorOrg: user?.orgId,
      action: 'persons.read',
      target: id,
      outcome: person || onRecord.length > 0 ? 'success' : 'denied',
      ip: 'cli',
      details: { route: 'cli persons history', reason },
    });
    if (!person && onRecord.length === 0) {
      throw new TruceError(
        'NOT_FOUND',
        `${id} is in no register, list or release, and no personal data is on record for it; check the id (truce exchanges register lists them)`,
      );
    }
    const decrypted =
      fields.length > 0 ? await cell.persons.decrypt(cell.origin, id, fields, reason) : undefined;
    const issues = register.issues.filter((i) => i.person === id);
    if (values.json) {
      io.stdout.write(
        `${JSON.stringify(
          {
            person,
            issues,
            fieldsOnRecord: onRecord,
            ...(decrypted ? { values: decrypted.values, versions: decrypted.versions } : {}),
          },
          null,
          2,
        )}\n`,
      );
      return 0;
    }
    const lines: string[] = [];
    if (person) {
      const living = person.living === null ? '' : person.living ? ', living' : ', remains';
      const sides =
        person.heldBy !== null
          ? `, held by ${person.heldBy}${person.releaseTo ? ` for ${person.releaseTo}` : ''}`
          : '';
      lines.push(
        `${person.id}: ${(person.category ?? 'category unknown').replace(/_/g, ' ')}${living}${sides}; now ${person.status.replace(/_/g, ' ')}`,
      );
      for (const h of person.history) {
        const where = h.place
          ? ` at ${h.place}`
          : h.forDay !== undefined
            ? ` for Day ${h.forDay}`
            : '';
        lines.push(
          `  ${h.at}  ${h.status.replace(/_/g, ' ').padEnd(15)} by ${h.by}${where} (${h.eventId})`,
        );
      }
    } else {
      lines.push(`${id}: not in the register (personal data is on record)`);
    }
    lines.push(
      issues.length === 0
        ? 'flagged: nothing'
        : `flagged:\n${issues.map((i) => `  ${i.severity} ${i.code} ${i.eventId}: ${i.message}`).join('\n')}`,
    );
    lines.push(
      onRecord.length === 0
        ? 'personal data on record: none'
        : `personal data on record: ${onRecord.map((f) => `${f.field} (v${f.version}, by ${f.org})`).join(', ')}`,
    );
    for (const field of fields) lines.push(`  ${field}: ${decrypted?.values[field] ?? ''}`);
    io.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  });
}
