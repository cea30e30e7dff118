import type { DisputeView } from '@truce/core';
import { type FormEvent, useState } from 'react';
import { type Entry, eventsOfTypes, type StatusResponse } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { useData } from '../live.ts';
import { submitReport } from '../outbox.ts';

export interface IncidentRow {
  incident: string;
  report: Entry;
  findings: Entry[];
  state: 'reported' | 'confirmed' | 'unfounded' | 'inconclusive';
}

/** Each reported incident with the findings recorded about it; its state is the last finding's. */
export function incidentQueue(entries: readonly Entry[]): IncidentRow[] {
  const rows = new Map<string, IncidentRow>();
  for (const entry of entries) {
    const incident = String(entry.event.payload.incident ?? entry.event.id);
    if (entry.event.type === 'incident_reported') {
      rows.set(incident, { incident, report: entry, findings: [], state: 'reported' });
    }
  }
  for (const entry of entries) {
    if (entry.event.type !== 'finding_recorded') continue;
    const row = rows.get(String(entry.event.payload.incident));
    if (!row) continue;
    row.findings.push(entry);
    row.state = entry.event.payload.outcome as IncidentRow['state'];
  }
  return [...rows.values()].sort((a, b) => b.report.seq - a.report.seq);
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

/** The action a verifier has on a reported incident: record the finding, with its reason. */
function RecordFinding({
  row,
  now,
  onDone,
}: {
  row: IncidentRow;
  now: string;
  onDone: () => void;
}) {
  const { t } = useI18n();
  const [outcome, setOutcome] = useState('confirmed');
  const [summary, setSummary] = useState('');
  const [message, setMessage] = useState<string>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const payload: Record<string, unknown> = { incident: row.incident, outcome, summary };
    const { obligation, against } = row.report.event.payload;
    if (typeof obligation === 'string') payload.obligation = obligation;
    if (outcome === 'confirmed' && typeof against === 'string') payload.attributedTo = against;
    const result = await submitReport({ type: 'finding_recorded', occurredAt: now, payload });
    setMessage(
      result.kind === 'recorded'
        ? t('submitted', { seq: result.seq })
        : result.kind === 'queued'
          ? t('queued')
          : `${t('error')}: ${result.message}`,
    );
    if (result.kind === 'recorded') onDone();
  };
  return (
    <form className="finding-form small" onSubmit={submit}>
      <strong>{t('recordFinding')}</strong>
      <label>
        {t('outcome')}
        <select name="outcome" value={outcome} onChange={(e) => setOutcome(e.target.value)}>
          {['confirmed', 'unfounded', 'inconclusive'].map((o) => (
            <option key={o}>{o}</option>
          ))}
        </select>
      </label>
      <label>
        {t('summary')}
        <textarea
          name="summary"
          required
          minLength={10}
          value={summary}
          onChange={(e) => setSummary(e.target.value)}
        />
      </label>
      <button type="submit">{t('submit')}</button>
      {message ? <p role="status">{message}</p> : null}
    </form>
  );
}

export function IncidentsPage({
  status,
  canReadEvents,
  canVerify = false,
  version,
  onChange = () => undefined,
}: {
  status: StatusResponse;
  canReadEvents: boolean;
  canVerify?: boolean;
  version: number;
  onChange?: () => void;
}) {
  const { t, dateTime } = useI18n();
  const events = useData(
    async () => (canReadEvents ? eventsOfTypes(['incident_reported', 'finding_recorded']) : []),
    version,
  );
  const queue = incidentQueue(events.data ?? []);
  const disputes = openDisputes(status);
  const states = ['reported', 'confirmed', 'inconclusive', 'unfounded'] as const;
  return (
    <>
      <h1>{t('incidents')}</h1>
      <section className="card">
        <h2>{t('disputes')}</h2>
        {disputes.length === 0 ? <p className="muted">{t('noDisputes')}</p> : null}
        {disputes.map((d) => (
          <article key={d.id} className="dispute" data-dispute={d.id}>
            <h3>{d.subject}</h3>
            <p className="muted small">
              {d.id} · {d.openedBy} · {dateTime(d.openedAt)} · {d.obligations.join(', ')}
            </p>
            <ul>
              {d.claims.map((c) => (
                <li key={c.by}>
                  <strong>{c.by}</strong>:{' '}
                  <span lang="en" dir="ltr">
                    {c.claim}
                  </span>
                </li>
              ))}
            </ul>
          </article>
        ))}
      </section>
      {canReadEvents ? (
        <section className="card">
          <h2>{t('incidentReports')}</h2>
          {queue.length === 0 ? <p className="muted">{t('noIncidents')}</p> : null}
          <div className="queues">
            {states.map((state) => (
              <div key={state} className="queue" data-state={state}>
                <h3>
                  {state} ({queue.filter((row) => row.state === state).length})
                </h3>
                {queue
                  .filter((row) => row.state === state)
                  .map((row) => (
                    <article key={row.incident} className="incident">
                      <strong>{row.incident}</strong> ·{' '}
                      {String(row.report.event.payload.category ?? '')}
                      <div className="muted small">
                        {dateTime(row.report.event.occurredAt)} · {row.report.event.source}
                        {row.report.event.payload.against
                          ? ` · ${String(row.report.event.payload.against)}`
                          : ''}
                      </div>
                      <p lang="en" dir="ltr" className="small">
                        {String(row.report.event.payload.description ?? '')}
                      </p>
                      {canVerify && row.state === 'reported' ? (
                        <RecordFinding row={row} now={status.asOf} onDone={onChange} />
                      ) : null}
                      {row.findings.map((f) => (
                        <p key={f.seq} className="small finding" lang="en" dir="ltr">
                          {t('findings')}: {String(f.event.payload.outcome)} —{' '}
                          {String(f.event.payload.summary ?? '')}
                        </p>
                      ))}
                    </article>
                  ))}
              </div>
            ))}
          </div>
        </section>
      ) : null}
    </>
  );
}
