import { TruceError } from '@truce/core';
import { isoOf, numberOf } from '../../accounts/rows.js';
import type { AppContext, TruceApp } from '../../http/context.js';
import { publicStatusSchema, publishSchema } from './schema.js';

interface PublicationRow {
  id: unknown;
  agreement_id: string;
  ledger_size: unknown;
  as_of: string;
  evaluation: string;
  published_at: unknown;
}

/**
 * Incidents by the state of their verification, as the public page shows them: reported and
 * awaiting a finding, or the last finding's outcome. Counted once, when a status is published,
 * over the entries it covers and what had happened by its asOf (a JSON read of the incident
 * events only). Corrections and retractions of incident reports are not applied here.
 */
async function incidentsByState(
  ctx: AppContext,
  ledgerSize: number,
  asOf: string,
): Promise<Record<string, number>> {
  const rows = await ctx.db.query<{
    type: string;
    incident: string | null;
    outcome: string | null;
  }>(
    `SELECT e->>'type' AS type, e#>>'{payload,incident}' AS incident, e#>>'{payload,outcome}' AS outcome
       FROM (SELECT seq, convert_from(entry, 'UTF8')::jsonb->'event' AS e FROM events WHERE seq < $1) AS entries
      WHERE e->>'type' IN ('incident_reported', 'finding_recorded')
        AND (e->>'occurredAt')::timestamptz <= $2::timestamptz
      ORDER BY seq`,
    [ledgerSize, asOf],
  );
  const state = new Map<string, string>();
  for (const row of rows) {
    if (row.incident === null) continue;
    if (row.type === 'incident_reported') {
      if (!state.has(row.incident)) state.set(row.incident, 'reported');
    } else if (state.has(row.incident) && row.outcome) {
      state.set(row.incident, row.outcome);
    }
  }
  const counts: Record<string, number> = {
    reported: 0,
    confirmed: 0,
    unfounded: 0,
    inconclusive: 0,
  };
  for (const value of state.values()) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

/** Counts from 1 to 4 are not shown on the public page: small cells can identify people. */
export function smallCount(n: number): boolean {
  return n > 0 && n < 5;
}

/** Pseudonymous ids of persons (H-0001, P-0001) are person data: the public page names none. */
export function redactPersons(text: string): string {
  return text.replace(/\b[HP]-\d{3,}\b/g, '[person]');
}

export function publicationRoutes(app: TruceApp, ctx: AppContext): void {
  app.post(
    '/api/v1/publications',
    { config: { action: 'publications.write' }, schema: publishSchema },
    async (request, reply) => {
      const actor = request.actor;
      if (actor.kind === 'anonymous') throw new TruceError('UNAUTHENTICATED', 'log in first');
      const { evaluation, ledgerSize } = await ctx.status.evaluation(request.body.asOf);
      const incidents = await incidentsByState(ctx, ledgerSize, evaluation.asOf);
      const at = ctx.clock().toISOString();
      const id = await ctx.db.transaction(async (tx) => {
        const [row] = await tx.query<{ id: unknown }>(
          `INSERT INTO publications (agreement_id, ledger_size, as_of, evaluation, published_by, published_at)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
          [
            evaluation.agreement.id,
            ledgerSize,
            evaluation.asOf,
            JSON.stringify({ ...evaluation, publicIncidents: incidents }),
            actor.user.id,
            at,
          ],
        );
        await ctx.audit.append(
          {
            at,
            actor: actor.user.id,
            actorOrg: actor.user.orgId,
            action: 'status.publish',
            target: `${evaluation.agreement.id}@${ledgerSize}`,
            outcome: 'success',
            ip: request.ip,
            details: { asOf: evaluation.asOf },
          },
          tx,
        );
        return numberOf(row?.id);
      });
      return reply.status(201).send({ id, ledgerSize, asOf: evaluation.asOf, publishedAt: at });
    },
  );

  app.get(
    '/api/v1/public/status',
    { config: { action: 'public.read' }, schema: publicStatusSchema },
    async () => {
      const [row] = await ctx.db.query<PublicationRow>(
        'SELECT id, agreement_id, ledger_size, as_of, evaluation, published_at FROM publications ORDER BY id DESC LIMIT 1',
      );
      if (!row) throw new TruceError('NOT_FOUND', 'nothing has been published yet');
      const evaluation = JSON.parse(row.evaluation) as {
        agreement: unknown;
        asOf: string;
        day: number;
        phases: { id: string; name: string | null; state: string }[];
        obligations: {
          id: string;
          title: string;
          status: string;
          why: string;
          progress?: { done: number; required: number | null; unit: string };
        }[];
        publicIncidents?: Record<string, number>;
      };
      // The public page gets statuses, their why and aggregate progress — not event ids,
      // per-source figures or anyone's pseudonymous id — and no count from 1 to 4. And the
      // latest checkpoint (hashes only), which anyone can check against the log's key.
      const checkpoint = await ctx.store.latestCheckpoint();
      return {
        checkpoint: checkpoint ? { size: checkpoint.size, note: checkpoint.text } : null,
        incidents: Object.fromEntries(
          Object.entries(evaluation.publicIncidents ?? {}).map(([state, n]) => [
            state,
            smallCount(n) ? null : n,
          ]),
        ),
        publishedAt: isoOf(row.published_at),
        ledgerSize: numberOf(row.ledger_size),
        agreement: evaluation.agreement,
        asOf: evaluation.asOf,
        day: evaluation.day,
        phases: evaluation.phases.map((p) => ({ id: p.id, name: p.name, state: p.state })),
        obligations: evaluation.obligations.map((o) => ({
          id: o.id,
          title: o.title,
          status: o.status,
          why: redactPersons(o.why),
          ...(o.progress
            ? {
                progress: {
                  done: smallCount(o.progress.done) ? null : o.progress.done,
                  required: o.progress.required,
                  unit: o.progress.unit,
                },
              }
            : {}),
        })),
      };
    },
  );
}
