import { randomUUID } from 'node:crypto';
import {
  type Agreement,
  availableSteps,
  duplicateSuggestions,
  type IncidentFile,
  incidentFiles,
  incidentPlaceProblems,
  orphanSteps,
  parseZones,
  requireTransition,
  type StepInput,
  stepOfEventType,
  TruceError,
  type TruceEvent,
  workflowMemory,
  workflowSteps,
} from '@truce/core';
import type { RequestOrigin } from '../../accounts/accounts-service.js';
import type { User } from '../../accounts/model.js';
import type { BlobRegistry } from '../../blobs/blob-registry.js';
import { readDomainEvents } from '../../ledger/domain-events.js';
import type { LedgerReceipt } from '../../ledger/index.js';
import type { Store } from '../../store/index.js';
import type { AgreementsService } from '../agreements/agreements-service.js';
import { requireCitedEvidence } from '../events/cited-evidence.js';
import type { EventsService } from '../events/events-service.js';

const workflowTypes = [...stepOfEventType.keys()];

export interface IncidentQueue {
  asOf: string;
  incidents: (IncidentFile & { nextSteps: string[] })[];
  duplicates: ReturnType<typeof duplicateSuggestions>;
  orphans: { eventId: string; incident: string }[];
}

/** What a report carries besides the envelope (docs/EVENTS.md, incident_reported). */
export type ReportInput = Record<string, unknown> & {
  occurredAt: string;
  payload: Record<string, unknown> & {
    incident: string;
    evidence?: { sha256: string }[] | undefined;
  };
};

export type StepRequest = StepInput & {
  occurredAt?: string | undefined;
  obligation?: string | undefined;
  summary?: string | undefined;
  evidence?: { sha256: string; name?: string; mediaType?: string; size?: number }[] | undefined;
};

/**
 * The incident workflow over the ledger: the queue is folded from the workflow's events by the
 * core (never stored), and each step is checked against the incident's state, the user's
 * permissions and the agreement's verifiers before the server signs it for the organisation.
 */
export class IncidentsService {
  readonly #store: Store;
  readonly #agreements: AgreementsService;
  readonly #events: EventsService;
  readonly #blobs: BlobRegistry;
  readonly #clock: () => Date;
  /** Workflow events read so far, in log order, and the next position to read from. */
  #cache: { events: TruceEvent[]; nextSeq: number } = { events: [], nextSeq: 0 };
  /** The area of the zone layer last read, by its digest. */
  #bbox: { sha256: string; bbox: [number, number, number, number] } | undefined;

  constructor(
    store: Store,
    agreements: AgreementsService,
    events: EventsService,
    blobs: BlobRegistry,
    clock: () => Date,
  ) {
    this.#store = store;
    this.#agreements = agreements;
    this.#events = events;
    this.#blobs = blobs;
    this.#clock = clock;
  }

  /** The workflow events of the log, read incrementally (a disposable cache by position). */
  async #workflowEvents(): Promise<TruceEvent[]> {
    const size = await this.#store.size();
    const from = this.#cache.nextSeq;
    if (size > from) {
      // An index read of the incident entries, never a scan of the log.
      const events = await readDomainEvents(this.#store, ['incidents'], from, size, workflowTypes);
      // Concurrent readers may both catch up: only one that read on from where the cache still
      // stands appends, so no event is added twice.
      if (this.#cache.nextSeq === from) {
        this.#cache = { events: [...this.#cache.events, ...events], nextSeq: size };
      }
    }
    return this.#cache.events;
  }

  async #agreement(): Promise<Agreement | undefined> {
    const id = await this.#agreements.currentId();
    if (id === undefined) return undefined;
    const versions = await this.#agreements.versions(id);
    return versions.at(-1);
  }

  async #files(asOf: number) {
    const agreement = await this.#agreement();
    const verifiers = agreement
      ? new Set(
          agreement.parties
            .filter((p) =>
              p.roles.some((r) => r === 'mediator' || r === 'guarantor' || r === 'monitor'),
            )
            .map((p) => p.id),
        )
      : undefined;
    const places = new Map<string, { lat: number; lon: number }>();
    for (const place of agreement?.places ?? []) {
      if (place.lat !== undefined && place.lon !== undefined)
        places.set(place.id, { lat: place.lat, lon: place.lon });
    }
    const events = await this.#workflowEvents();
    return {
      events,
      verifiers,
      files: incidentFiles(events, {
        asOf,
        ...(verifiers ? { verifiers } : {}),
        places,
        ...(agreement?.incidents?.deadlines ? { deadlines: agreement.incidents.deadlines } : {}),
      }),
    };
  }

  async queue(user: User | undefined, asOf?: string): Promise<IncidentQueue> {
    const at = asOf === undefined ? this.#clock().getTime() : Date.parse(asOf);
    const { events, files, verifiers } = await this.#files(at);
    // Steps count only from the agreement's verifiers: nobody else is offered one.
    const verifies = user !== undefined && (!verifiers || verifiers.has(user.orgId));
    const permissions = verifies ? user.permissions : [];
    return {
      asOf: new Date(at).toISOString(),
      incidents: files.map((file) => ({
        ...file,
        nextSteps: availableSteps(file.state, permissions),
      })),
      duplicates: duplicateSuggestions(files),
      orphans: orphanSteps(events, at),
    };
  }

  async file(user: User | undefined, incident: string, asOf?: string) {
    const queue = await this.queue(user, asOf);
    const file = queue.incidents.find((f) => f.incident === incident);
    if (!file) throw new TruceError('NOT_FOUND', `no incident ${incident} has been reported`);
    return {
      ...file,
      duplicates: queue.duplicates.filter(
        (d) => d.incident === incident || d.candidate === incident,
      ),
    };
  }

  /** The same check as every route that admits events (EVIDENCE_NOT_FOUND). */
  async #requireEvidence(evidence: readonly { sha256: string }[] | undefined): Promise<void> {
    await requireCitedEvidence(this.#blobs, [{ event: { payload: { evidence } }, at: '' }]);
  }

  /** The area of the current agreement's zone layer, when it pins one and it was uploaded. */
  async #area(): Promise<[number, number, number, number] | undefined> {
    const pinned = (await this.#agreement())?.geometry;
    if (!pinned) return undefined;
    if (this.#bbox?.sha256 === pinned.sha256) return this.#bbox.bbox;
    const bytes = await this.#blobs.bytes(pinned.sha256);
    if (!bytes) return undefined;
    const layer = parseZones(new TextDecoder().decode(bytes), pinned.file);
    this.#bbox = { sha256: pinned.sha256, bbox: layer.bbox };
    return layer.bbox;
  }

  /** A report placed outside the agreement's area, or with latitude and longitude swapped. */
  async #requirePlaceInArea(payload: Record<string, unknown>): Promise<void> {
    const bbox = await this.#area();
    if (!bbox) return;
    const problems = incidentPlaceProblems(
      payload as { lat?: number; lon?: number; geometry?: unknown },
      bbox,
    );
    if (problems.length > 0) {
      throw new TruceError(
        'VALIDATION_FAILED',
        'where the incident happened is not inside the area of the agreement; check the coordinates ([longitude, latitude] in GeoJSON)',
        problems.map((p) => ({ path: `payload.${p.path}`, message: p.message })),
      );
    }
  }

  /** A new allegation, reported for the user's organisation. */
  async report(
    origin: RequestOrigin,
    input: ReportInput,
    idempotencyKey: string | undefined,
  ): Promise<{ receipt: LedgerReceipt; incident: string; eventId: string }> {
    const { files } = await this.#files(this.#clock().getTime());
    const existing = files.find((f) => f.incident === input.payload.incident);
    const eventId = eventIdFor(origin, idempotencyKey);
    // A retry of the same report (same idempotency key) is answered by the ledger; another
    // report under an id already taken is refused here.
    if (existing && existing.reportEventId !== eventId) {
      throw new TruceError(
        'CONFLICT',
        `incident ${input.payload.incident} was already reported (${existing.reportEventId}); choose another id`,
      );
    }
    await this.#requireEvidence(input.payload.evidence);
    await this.#requirePlaceInArea(input.payload);
    const receipt = await this.#events.submitOnBehalf(
      origin,
      { ...input, id: eventId, type: 'incident_reported' },
      idempotencyKey,
    );
    return { receipt, incident: input.payload.incident, eventId };
  }

  /** One workflow step, refused unless it follows from the incident's state. */
  async step(
    origin: RequestOrigin,
    incident: string,
    request: StepRequest,
    idempotencyKey: string | undefined,
  ): Promise<{ receipt: LedgerReceipt; state: string; eventId: string }> {
    const actor = origin.actor;
    if (actor.kind === 'anonymous') throw new TruceError('UNAUTHENTICATED', 'log in first');
    if (request.step === 'report') {
      throw new TruceError('USAGE', 'report an incident with POST /api/v1/incidents');
    }
    const now = this.#clock();
    const { files, verifiers } = await this.#files(now.getTime());
    const file = files.find((f) => f.incident === incident);
    if (!file) throw new TruceError('NOT_FOUND', `no incident ${incident} has been reported`);
    const org = actor.user.orgId;
    if (verifiers && !verifiers.has(org)) {
      throw new TruceError(
        'FORBIDDEN',
        `${org} is not a mediator, guarantor or monitor of the agreement; only they take workflow steps`,
      );
    }
    const state = requireTransition(workflowMemory(file), request, {
      org,
      permissions: actor.user.permissions,
    });
    if (request.step === 'record_finding') await this.#requireEvidence(request.evidence);
    const eventId = eventIdFor(origin, idempotencyKey);
    const receipt = await this.#events.submitOnBehalf(
      origin,
      {
        id: eventId,
        type: workflowSteps[request.step].eventType,
        occurredAt: request.occurredAt ?? now.toISOString(),
        payload: payloadOf(incident, request, file),
      },
      idempotencyKey,
    );
    return { receipt, state, eventId };
  }
}

/** The id the event will have: as the events service makes it, known before it is signed. */
function eventIdFor(origin: RequestOrigin, idempotencyKey: string | undefined): string {
  const org = origin.actor.kind === 'anonymous' ? 'anonymous' : origin.actor.user.orgId;
  return idempotencyKey ? `${org}-${idempotencyKey}` : `${org}-${randomUUID()}`;
}

function payloadOf(
  incident: string,
  request: StepRequest,
  file: IncidentFile,
): Record<string, unknown> {
  const defined = (object: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
  switch (request.step) {
    case 'triage':
      return defined({
        incident,
        decision: request.decision,
        duplicateOf: request.duplicateOf,
        reason: request.reason,
      });
    case 'assign':
      return { incident, assignee: request.assignee, reason: request.reason };
    case 'investigate':
      return { incident, reason: request.reason };
    case 'record_finding':
      return defined({
        incident,
        outcome: request.outcome,
        attributedTo: request.attributedTo,
        // A confirmed finding breaches the obligation the report named, unless it names another.
        obligation: request.obligation ?? file.obligation,
        summary: request.reason,
        evidence: request.evidence,
      });
    case 'review':
      return {
        incident,
        finding: request.finding,
        decision: request.decision,
        reason: request.reason,
      };
    case 'publish':
      return { incident, finding: request.finding, reason: request.reason };
    case 'report':
      throw new TruceError('USAGE', 'report an incident with POST /api/v1/incidents');
  }
}
