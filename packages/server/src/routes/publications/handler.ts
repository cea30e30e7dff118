import { incidentFiles, stepOfEventType, TruceError } from '@truce/core';
import { isoOf, numberOf } from '../../accounts/rows.js';
import type { AppContext, TruceApp } from '../../http/context.js';
import { readDomainEvents } from '../../ledger/domain-events.js';
import { presentCosignature } from '../../presenters/ledger.js';
import { whyForAggregates } from '../../presenters/person-counts.js';
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
 * Incidents by the state of their verification, as the public page shows them: reported and not
 * yet triaged, in verification (triaged to reviewed), closed (a duplicate or out of scope), or
 * the outcome of a finding — only once the finding was published, the step that needs the
 * publish permission: an outcome still under review is not public. Counted once, when a status
 * is published, over the entries it covers and what was known by its asOf (the core's fold of
 * the workflow events). Corrections and retractions of incident reports are not applied here.
 */
async function incidentsByState(
  ctx: AppContext,
  ledgerSize: number,
  asOf: string,
): Promise<Record<string, number>> {
  const events = await readDomainEvents(ctx.store, ['incidents'], 0, ledgerSize, [
    ...stepOfEventType.keys(),
  ]);
  const counts: Record<string, number> = {
    reported: 0,
    in_verification: 0,
    confirmed: 0,
    unfounded: 0,
    inconclusive: 0,
    closed: 0,
  };
  for (const file of incidentFiles(events, { asOf: Date.parse(asOf) })) {
    const key =
      file.state === 'published'
        ? (file.finding?.outcome ?? 'closed')
        : file.state === 'reported'
          ? 'reported'
          : file.closed
            ? 'closed'
            : 'in_verification';
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** Counts from 1 to 4 are not shown on the public page: small cells can identify people. */
export function smallCount(n: number): boolean {
  return n > 0 && n < 5;
}

const legacyWhy =
  'Published before explanations were kept in a reading for the public: publish again to show it.';

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
            // whyReadings: each why comes with its reading for aggregates (whyAggregates).
            JSON.stringify({ ...evaluation, publicIncidents: incidents, whyReadings: true }),
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
          whyAggregates?: string;
          progress?: { done: number; required: number | null; unit: string };
        }[];
        publicIncidents?: Record<string, number>;
        whyReadings?: boolean;
      };
      // The public page gets statuses, their why and aggregate progress — not event ids,
      // per-source figures or anyone's pseudonymous id — and no count from 1 to 4 (in the why
      // too: presenters/person-counts.ts). And the
      // latest checkpoint (hashes only), which anyone can check against the log's key.
      const checkpoint = await ctx.store.latestCheckpoint();
      // Who cosigned it (the parties and guarantors that witness the log): public, as in any export.
      const cosigners = checkpoint ? await ctx.ledger.cosigners(checkpoint.size) : [];
      return {
        checkpoint: checkpoint
          ? {
              size: checkpoint.size,
              note: checkpoint.text,
              cosigners: cosigners.map(presentCosignature),
            }
          : null,
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
          // A publication stored before the engine wrote a reading of each why for aggregates
          // cannot tell a small count of persons from a term of the agreement: its whys are
          // left out rather than risk one.
          why: evaluation.whyReadings ? whyForAggregates(o) : legacyWhy,
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
