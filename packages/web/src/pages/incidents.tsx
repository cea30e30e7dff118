import type { Agreement, DisputeView } from '@truce/core';
import { type FormEvent, useState } from 'react';
import { ApiError, api, type StatusResponse } from '../api.ts';
import { type MessageKey, useI18n } from '../i18n.tsx';
import { useData } from '../live.ts';
import { AddClaim, OpenDispute, ResolveDispute } from './dispute-forms.tsx';
import { ReportIncident } from './incident-report.tsx';

/** An incident as `GET /api/v1/incidents` gives it (core `IncidentFile` plus the next steps). */
export interface IncidentFileView {
  incident: string;
  state: string;
  closed: boolean;
  reportEventId: string;
  reportedBy: string;
  occurredAt: string;
  reportedAt: string;
  category: string;
  description: string;
  clause?: string;
  obligation?: string;
  against?: string;
  place?: string;
  position?: { lat: number; lon: number };
  evidence: { sha256: string; name?: string; mediaType?: string }[];
  assignee?: string;
  duplicateOf?: string;
  finding?: {
    eventId: string;
    by: string;
    outcome: string;
    attributedTo?: string;
    summary: string;
  };
  steps: { step: string; eventId: string; by: string; at: string; reason: string; state: string }[];
  deadlines: { step: string; dueAt: string; doneAt: string | null; status: string }[];
  problems: { eventId: string; message: string }[];
  nextSteps: string[];
}

export interface DuplicateView {
  incident: string;
  candidate: string;
  hoursApart: number;
  metresApart: number | null;
  samePlace: boolean;
}

export interface IncidentQueueView {
  asOf: string;
  incidents: IncidentFileView[];
  duplicates: DuplicateView[];
}

/** The queues of the page, in workflow order; duplicates and out-of-scope reports share one. */
export const queueStates = [
  'reported',
  'triaged',
  'assigned',
  'under_investigation',
  'finding',
  'reviewed',
  'published',
  'closed',
] as const;
export type QueueState = (typeof queueStates)[number];

export function queueOf(file: IncidentFileView): QueueState {
  return file.state === 'duplicate' || file.state === 'out_of_scope'
    ? 'closed'
    : (file.state as QueueState);
}

/** Each queue's incidents, the most urgent first: overdue steps, then the oldest report. */
export function incidentQueues(
  files: readonly IncidentFileView[],
): Map<QueueState, IncidentFileView[]> {
  const queues = new Map<QueueState, IncidentFileView[]>(queueStates.map((s) => [s, []]));
  for (const file of files) queues.get(queueOf(file))?.push(file);
  const overdue = (f: IncidentFileView) => f.deadlines.some((d) => d.status === 'overdue');
  for (const list of queues.values()) {
    list.sort(
      (a, b) =>
        Number(overdue(b)) - Number(overdue(a)) ||
        Date.parse(a.reportedAt) - Date.parse(b.reportedAt),
    );
  }
  return queues;
}

/** Open disputes, once each, with the obligations they hold in `disputed`. */
export function openDisputes(status: StatusResponse): (DisputeView & { obligations: string[] })[] {
  const found = new Map<string, DisputeView & { obligations: string[] }>();
  for (const obligation of status.obligations) {
    for (const dispute of obligation.disputes) {
      const row = found.get(dispute.id) ?? { ...dispute, obligations: [] };
      row.obligations.push(obligation.id);
      found.set(dispute.id, row);
    }
  }
  return [...found.values()];
}

/** The next step the user may take, with the fields that step needs and its required reason. */
function StepForm({ file, onDone }: { file: IncidentFileView; onDone: () => void }) {
  const { t } = useI18n();
  const [step, setStep] = useState(file.nextSteps[0] ?? '');
  const [decision, setDecision] = useState('accepted');
  const [duplicateOf, setDuplicateOf] = useState('');
  const [assignee, setAssignee] = useState('');
  const [outcome, setOutcome] = useState('confirmed');
  const [attributedTo, setAttributedTo] = useState(file.against ?? '');
  const [review, setReview] = useState('endorsed');
  const [reason, setReason] = useState('');
  const [message, setMessage] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const body: Record<string, unknown> = { step, reason };
    if (step === 'triage') {
      body.decision = decision;
      if (decision === 'duplicate') body.duplicateOf = duplicateOf;
    } else if (step === 'assign') body.assignee = assignee;
    else if (step === 'record_finding') {
      body.outcome = outcome;
      if (outcome === 'confirmed') body.attributedTo = attributedTo;
    } else if (step === 'review') {
      body.finding = file.finding?.eventId;
      body.decision = review;
    } else if (step === 'publish') body.finding = file.finding?.eventId;
    setBusy(true);
    try {
      // A retry of the same click (a dropped connection) can never take the step twice.
      const key = crypto.randomUUID();
      const result = await api<{ state: string; receipt: { seq: number } }>(
        `/api/v1/incidents/${encodeURIComponent(file.incident)}/steps`,
        { method: 'POST', body, headers: { 'idempotency-key': key } },
      );
      setMessage(t('submitted', { seq: result.receipt.seq }));
      setReason('');
      onDone();
    } catch (error) {
      setMessage(`${t('error')}: ${error instanceof ApiError ? error.message : String(error)}`);
    } finally {
      setBusy(false);
    }
  };
  if (file.nextSteps.length === 0) return null;
  return (
    <form className="step-form small" onSubmit={submit} data-incident={file.incident}>
      <label>
        {t('wf.nextStep')}
        <select name="step" value={step} onChange={(e) => setStep(e.target.value)}>
          {file.nextSteps.map((s) => (
            <option key={s} value={s}>
              {t(`wf.step.${s}` as MessageKey)}
            </option>
          ))}
        </select>
      </label>
      {step === 'triage' ? (
        <>
          <label>
            {t('wf.decision')}
            <select name="decision" value={decision} onChange={(e) => setDecision(e.target.value)}>
              {['accepted', 'duplicate', 'out_of_scope'].map((d) => (
                <option key={d} value={d}>
                  {t(`wf.triage.${d}` as MessageKey)}
                </option>
              ))}
            </select>
          </label>
          {decision === 'duplicate' ? (
            <label>
              {t('wf.duplicateOf')}
              <input
                name="duplicateOf"
                required
                value={duplicateOf}
                onChange={(e) => setDuplicateOf(e.target.value)}
              />
            </label>
          ) : null}
        </>
      ) : null}
      {step === 'assign' ? (
        <label>
          {t('wf.assignee')}
          <input
            name="assignee"
            required
            pattern="[a-z0-9][a-z0-9._\-]*"
            value={assignee}
            onChange={(e) => setAssignee(e.target.value)}
          />
        </label>
      ) : null}
      {step === 'record_finding' ? (
        <>
          <label>
            {t('outcome')}
            <select name="outcome" value={outcome} onChange={(e) => setOutcome(e.target.value)}>
              {['confirmed', 'unfounded', 'inconclusive'].map((o) => (
                <option key={o} value={o}>
                  {t(`wf.outcome.${o}` as MessageKey)}
                </option>
              ))}
            </select>
          </label>
          {outcome === 'confirmed' ? (
            <label>
              {t('wf.attributedTo')}
              <input
                name="attributedTo"
                required
                pattern="[a-z0-9][a-z0-9._\-]*"
                value={attributedTo}
                onChange={(e) => setAttributedTo(e.target.value)}
              />
            </label>
          ) : null}
        </>
      ) : null}
      {step === 'review' ? (
        <label>
          {t('wf.decision')}
          <select name="review" value={review} onChange={(e) => setReview(e.target.value)}>
            {['endorsed', 'returned'].map((d) => (
              <option key={d} value={d}>
                {t(`wf.review.${d}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <label>
        {step === 'record_finding' ? t('summary') : t('wf.reason')}
        <textarea
          name="reason"
          required
          minLength={3}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
      </label>
      <button type="submit" disabled={busy}>
        {t('submit')}
      </button>
      {message ? <p role="status">{message}</p> : null}
    </form>
  );
}

function IncidentCard({
  file,
  duplicates,
  onChange,
}: {
  file: IncidentFileView;
  duplicates: DuplicateView[];
  onChange: () => void;
}) {
  const { t, dateTime, number } = useI18n();
  const overdue = file.deadlines.filter((d) => d.status === 'overdue');
  const pending = file.deadlines.find((d) => d.status === 'pending');
  return (
    <article className="incident" data-incident={file.incident}>
      <strong>{file.incident}</strong> · {t(`wf.category.${file.category}` as MessageKey)}
      {overdue.map((d) => (
        <span key={d.step} className="badge badge-breached" data-overdue={d.step}>
          {' '}
          {t('wf.overdue', { step: t(`wf.deadline.${d.step}` as MessageKey) })}
        </span>
      ))}
      <div className="muted small">
        {t('wf.occurred')} {dateTime(file.occurredAt)} · {t('wf.reportedAt')}{' '}
        {dateTime(file.reportedAt)} · {file.reportedBy}
        {file.against ? ` → ${file.against}` : ''}
        {file.place ? ` · ${file.place}` : ''}
        {file.position ? ` · ${file.position.lat.toFixed(4)}, ${file.position.lon.toFixed(4)}` : ''}
        {file.assignee ? ` · ${t('wf.assignee')}: ${file.assignee}` : ''}
      </div>
      <p lang="en" dir="ltr" className="small">
        {file.description}
      </p>
      {file.clause ? (
        <p className="small muted" lang="en" dir="ltr">
          {file.clause}
        </p>
      ) : null}
      {pending ? (
        <p className="small muted">
          {t('wf.due', {
            step: t(`wf.deadline.${pending.step}` as MessageKey),
            at: dateTime(pending.dueAt),
          })}
        </p>
      ) : null}
      {file.duplicateOf ? (
        <p className="small">{t('wf.duplicateOfShown', { incident: file.duplicateOf })}</p>
      ) : null}
      {duplicates.map((d) => (
        <p
          key={`${d.incident}-${d.candidate}`}
          className="small warning"
          data-duplicate={d.candidate}
        >
          {t('wf.possibleDuplicate', {
            incident: d.incident === file.incident ? d.candidate : d.incident,
            hours: number(d.hoursApart),
            metres: d.metresApart === null ? '—' : number(d.metresApart),
          })}
        </p>
      ))}
      {file.finding ? (
        <p className="small finding" lang="en" dir="ltr">
          {t('findings')}: {t(`wf.outcome.${file.finding.outcome}` as MessageKey)}
          {file.finding.attributedTo ? ` (${file.finding.attributedTo})` : ''} —{' '}
          {file.finding.summary}
        </p>
      ) : null}
      {file.evidence.length ? (
        <ul className="small evidence">
          {file.evidence.map((e) => (
            <li key={e.sha256}>
              <a href={`/api/v1/evidence/${e.sha256}`} download>
                {e.name ?? `${e.sha256.slice(0, 12)}…`}
              </a>{' '}
              <code title={e.sha256}>sha256 {e.sha256.slice(0, 12)}…</code>
            </li>
          ))}
        </ul>
      ) : null}
      {file.problems.map((p) => (
        <p key={p.eventId} className="small warning" lang="en" dir="ltr">
          {p.eventId}: {p.message}
        </p>
      ))}
      <details className="small">
        <summary>{t('wf.history', { count: file.steps.length })}</summary>
        <ol>
          {file.steps.map((s) => (
            <li key={s.eventId}>
              {t(`wf.step.${s.step}` as MessageKey)} · {s.by} · {dateTime(s.at)}:{' '}
              <span lang="en" dir="ltr">
                {s.reason}
              </span>
            </li>
          ))}
        </ol>
      </details>
      <StepForm file={file} onDone={onChange} />
    </article>
  );
}

export function IncidentsPage({
  status,
  agreement,
  canReadEvents,
  canReport = false,
  canResolve = false,
  org = '',
  version,
  onChange = () => undefined,
}: {
  status: StatusResponse;
  agreement?: Agreement | undefined;
  canReadEvents: boolean;
  canReport?: boolean;
  /** A mediator with the verify permission: decides disputes, with measures. */
  canResolve?: boolean;
  /** The user's organisation, whose claims the dispute forms send. */
  org?: string;
  /** Kept for the shell; the steps a user may take come from the server, per incident. */
  canVerify?: boolean;
  version: number;
  onChange?: () => void;
}) {
  const { t, dateTime } = useI18n();
  const queue = useData(
    async () =>
      canReadEvents
        ? // The queue as of now on the server, not the status's asOf: that is rounded down to
          // the second, so a step just taken (dated now) would not show until the next event.
          api<IncidentQueueView>('/api/v1/incidents')
        : undefined,
    version,
  );
  const files = queue.data?.incidents ?? [];
  const queues = incidentQueues(files);
  const disputes = openDisputes(status);
  const overdueCount = files.filter((f) => f.deadlines.some((d) => d.status === 'overdue')).length;
  return (
    <>
      <h1>{t('incidents')}</h1>
      {canReport ? (
        <ReportIncident agreement={agreement} now={status.asOf} onDone={onChange} />
      ) : null}
      {canReport ? (
        <OpenDispute agreement={agreement} org={org} now={status.asOf} onDone={onChange} />
      ) : null}
      <section className="card">
        <h2>{t('disputes')}</h2>
        {disputes.length === 0 ? <p className="muted">{t('noDisputes')}</p> : null}
        {disputes.map((d) => (
          <article key={d.id} className="dispute" data-dispute={d.id}>
            <h3>{d.subject}</h3>
            <p className="muted small">
              {d.id} · {d.openedBy} · {dateTime(d.openedAt)} · {d.obligations.join(', ')}
            </p>
            {d.contests ? (
              <p className="small" data-contests={d.contests.kind}>
                {t('dispute.contests')}: {t(`dispute.contests.${d.contests.kind}`)}
                {d.contests.ref ? ` (${d.contests.ref})` : ''}
              </p>
            ) : null}
            <ul>
              {d.claims.map((c) => (
                <li key={c.by}>
                  <strong>{c.by}</strong>:{' '}
                  <span lang="en" dir="ltr">
                    {c.claim}
                  </span>
                  {(c.files ?? []).map((f) => (
                    <a
                      key={f.sha256}
                      className="evidence-file small"
                      href={`/api/v1/evidence/${f.sha256}`}
                      title={`SHA-256 ${f.sha256}`}
                    >
                      {' '}
                      {f.name ?? `${f.sha256.slice(0, 12)}…`}
                    </a>
                  ))}
                </li>
              ))}
            </ul>
            {canReport && !d.claims.some((c) => c.by === org) ? (
              <AddClaim dispute={d.id} now={status.asOf} onDone={onChange} />
            ) : null}
            {canResolve ? (
              <ResolveDispute
                dispute={d.id}
                obligations={d.obligations}
                {...(d.contests?.kind === 'count' && d.contests.ref
                  ? { contestedCount: d.contests.ref }
                  : {})}
                now={status.asOf}
                onDone={onChange}
              />
            ) : null}
          </article>
        ))}
      </section>
      {canReadEvents ? (
        <section className="card">
          <h2>{t('incidentReports')}</h2>
          {files.length === 0 ? <p className="muted">{t('noIncidents')}</p> : null}
          {overdueCount > 0 ? (
            <p className="warning" role="status">
              {t('wf.overdueCount', { count: overdueCount })}
            </p>
          ) : null}
          <div className="queues">
            {queueStates.map((state) => {
              const list = queues.get(state) ?? [];
              return (
                <div key={state} className="queue" data-state={state}>
                  <h3>
                    {t(`wf.state.${state}` as MessageKey)} ({list.length})
                  </h3>
                  {list.map((file) => (
                    <IncidentCard
                      key={file.incident}
                      file={file}
                      duplicates={(queue.data?.duplicates ?? []).filter(
                        (d) => d.incident === file.incident || d.candidate === file.incident,
                      )}
                      onChange={onChange}
                    />
                  ))}
                </div>
              );
            })}
          </div>
        </section>
      ) : null}
    </>
  );
}
