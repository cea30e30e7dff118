import type { ObligationStatus, PhaseStatus } from '@truce/core';
import { Fragment, useMemo, useState } from 'react';
import { api, type Entry, type StatusResponse } from '../api.ts';
import { StatusBadge } from '../components/status-badge.tsx';
import { localDate } from '../days.ts';
import { type MessageKey, useI18n } from '../i18n.tsx';

const order = [
  'breached',
  'late',
  'disputed',
  'at_risk',
  'on_track',
  'not_started',
  'suspended',
  'waived',
  'met',
];

/** Links to the daily situation report of the status's day (HTML and PDF, in the page's language). */
function SitrepLinks({ status }: { status: StatusResponse }) {
  const { t, language } = useI18n();
  const date = localDate(status.asOf, status.agreement.timeZone);
  const base = `/api/v1/sitrep?date=${date}&lang=${language}&agreement=${encodeURIComponent(status.agreement.id)}`;
  return (
    <p className="sitrep-links small">
      {t('sitrep')} {date}:{' '}
      <a href={base} target="_blank" rel="noopener">
        HTML
      </a>{' '}
      ·{' '}
      <a href={`${base}&format=pdf`} target="_blank" rel="noopener">
        PDF
      </a>
    </p>
  );
}

export function PhaseHeading({
  status,
  sitrep = false,
}: {
  status: StatusResponse;
  sitrep?: boolean;
}) {
  const { t, dateTime } = useI18n();
  const active = status.phases.find((phase) => phase.state === 'active');
  return (
    <header className="phase-heading">
      <h1 dir="auto">{status.agreement.title}</h1>
      <p className="phase-line" data-testid="phase-line">
        {active ? (
          <>
            <strong>{active.name ?? `${t('phase')} ${active.id}`}</strong>
            {active.dayOfPhase !== null && active.lengthDays !== null
              ? ` — ${t('dayOfPhase', { day: active.dayOfPhase, length: active.lengthDays })}`
              : ''}
          </>
        ) : (
          <strong>
            {t('day')} {status.day}
          </strong>
        )}
        <span className="muted">
          {' '}
          · {t('asOf')} {dateTime(status.asOf)} ({status.agreement.timeZone}) · v
          {status.agreement.version}
        </span>
      </p>
      {sitrep ? <SitrepLinks status={status} /> : null}
    </header>
  );
}

/** Phases as bars on one time axis, each obligation's due date as a tick, and now as a line. */
export function Timeline({ status }: { status: StatusResponse }) {
  const { t, date } = useI18n();
  const phases = status.phases.filter((phase) => phase.startedAt !== null);
  const times = [
    ...phases.flatMap((p) => [p.startedAt, p.endsAt]),
    ...status.obligations.map((o) => o.dueAt),
    status.asOf,
  ]
    .filter((x): x is string => x !== null)
    .map((x) => Date.parse(x));
  if (times.length < 2) return null;
  const min = Math.min(...times);
  const max = Math.max(...times);
  const x = (iso: string) => ((Date.parse(iso) - min) / (max - min || 1)) * 100;
  return (
    <section className="card" aria-label={t('timeline')}>
      <h2>{t('timeline')}</h2>
      <svg className="timeline" viewBox="0 0 100 24" preserveAspectRatio="none" role="img">
        <title>{t('timeline')}</title>
        {phases.map((phase: PhaseStatus, index) => (
          <rect
            key={phase.id}
            x={x(phase.startedAt!)}
            y={2 + (index % 2) * 6}
            width={Math.max(0.5, x(phase.endsAt ?? status.asOf) - x(phase.startedAt!))}
            height={5}
            className={`phase-bar phase-${phase.state}`}
          >
            <title>{phase.name ?? phase.id}</title>
          </rect>
        ))}
        {status.obligations
          .filter((o) => o.dueAt !== null)
          .map((o) => (
            <line
              key={o.id}
              x1={x(o.dueAt!)}
              x2={x(o.dueAt!)}
              y1={14}
              y2={20}
              className={`due-tick tick-${o.status}`}
            >
              <title>
                {o.title} — {date(o.dueAt!)}
              </title>
            </line>
          ))}
        <line x1={x(status.asOf)} x2={x(status.asOf)} y1={0} y2={24} className="now-line" />
      </svg>
      <div className="timeline-legend muted">
        <span>{date(new Date(min).toISOString())}</span>
        <span>{date(new Date(max).toISOString())}</span>
      </div>
    </section>
  );
}

function Progress({ obligation }: { obligation: ObligationStatus }) {
  const { number } = useI18n();
  const { required, unit } = obligation.progress;
  // Null for a role that sees aggregates only when fewer than 5 persons count (a small cell).
  const done = obligation.progress.done as number | null;
  const share = required && done !== null ? Math.min(1, done / required) : undefined;
  return (
    <div className="progress">
      {share !== undefined ? (
        <div className="progress-track" aria-hidden="true">
          <div className="progress-fill" style={{ inlineSize: `${share * 100}%` }} />
        </div>
      ) : null}
      <bdi dir="ltr">
        {done === null ? '<5' : number(done)}
        {required !== null ? ` / ${number(required)}` : ''} {unit}
      </bdi>
    </div>
  );
}

function EventsBehind({ ids }: { ids: readonly string[] }) {
  const { t, dateTime } = useI18n();
  const [entries, setEntries] = useState<Entry[] | string>();
  if (ids.length === 0) return <p className="muted">{t('noEvents')}</p>;
  if (entries === undefined) {
    const shown = ids.slice(0, 50);
    api<{ events: Entry[] }>(`/api/v1/events?ids=${encodeURIComponent(shown.join(','))}`)
      .then((page) => setEntries(page.events))
      .catch((error: Error) => setEntries(error.message));
    return <p className="muted">{t('loading')}</p>;
  }
  if (typeof entries === 'string') {
    return (
      <ul className="event-ids">
        {ids.map((id) => (
          <li key={id}>
            <code>{id}</code>
          </li>
        ))}
      </ul>
    );
  }
  return (
    <table className="events-table">
      <tbody>
        {entries.map((entry) => (
          <tr key={entry.seq}>
            <td>
              <code>#{entry.seq}</code>
            </td>
            <td>{entry.event.type}</td>
            <td>{dateTime(entry.event.occurredAt)}</td>
            <td>{entry.event.source}</td>
            <td>
              <code>{entry.event.id}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ObligationsTable({
  status,
  canReadEvents,
}: {
  status: StatusResponse;
  canReadEvents: boolean;
}) {
  const { t, dateTime } = useI18n();
  const [party, setParty] = useState('');
  const [kind, setKind] = useState('');
  const [statusFilter, setStatusFilter] = useState('');
  const [open, setOpen] = useState<string>();
  const parties = useMemo(
    () => [...new Set(status.obligations.flatMap((o) => o.owedBy))].sort(),
    [status],
  );
  const kinds = useMemo(() => [...new Set(status.obligations.map((o) => o.kind))].sort(), [status]);
  const counts = new Map<string, number>();
  for (const o of status.obligations) counts.set(o.status, (counts.get(o.status) ?? 0) + 1);
  const shown = status.obligations
    .filter((o) => (party ? o.owedBy.includes(party) : true))
    .filter((o) => (kind ? o.kind === kind : true))
    .filter((o) => (statusFilter ? o.status === statusFilter : true))
    .sort((a, b) => order.indexOf(a.status) - order.indexOf(b.status));
  return (
    <section className="card">
      <h2>{t('obligations')}</h2>
      <div className="status-counts">
        {order
          .filter((s) => counts.has(s))
          .map((s) => (
            <button
              type="button"
              key={s}
              className={`count-chip ${statusFilter === s ? 'selected' : ''}`}
              onClick={() => setStatusFilter(statusFilter === s ? '' : s)}
            >
              <StatusBadge status={s} /> {counts.get(s)}
            </button>
          ))}
      </div>
      <div className="filters">
        <label>
          {t('party')}{' '}
          <select value={party} onChange={(e) => setParty(e.target.value)} name="party">
            <option value="">{t('all')}</option>
            {parties.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('kind')}{' '}
          <select value={kind} onChange={(e) => setKind(e.target.value)} name="kind">
            <option value="">{t('all')}</option>
            {kinds.map((k) => (
              <option key={k} value={k}>
                {t(`kind.${k}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('status')}{' '}
          <select
            value={statusFilter}
            onChange={(e) => setStatusFilter(e.target.value)}
            name="status"
          >
            <option value="">{t('all')}</option>
            {order.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p className="muted small">{t('whyInEnglish')}</p>
      <table className="obligations" data-testid="obligations">
        <thead>
          <tr>
            <th>{t('obligations')}</th>
            <th>{t('status')}</th>
            <th>{t('progress')}</th>
            <th>{t('forecast')}</th>
            <th>{t('why')}</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((o) => (
            <Fragment key={o.id}>
              <tr
                data-obligation={o.id}
                className={open === o.id ? 'open' : ''}
                onClick={() => setOpen(open === o.id ? undefined : o.id)}
              >
                <td>
                  <div className="obligation-title" dir="auto">
                    {o.title}
                  </div>
                  <div className="muted small">
                    {t(`kind.${o.kind}` as MessageKey)} · {t('owedBy')} {o.owedBy.join(', ')}
                    {o.dueAt ? ` · ${t('due')} ${dateTime(o.dueAt)}` : ''}
                  </div>
                </td>
                <td>
                  <StatusBadge status={o.status} />
                  {o.underlying ? (
                    <div className="muted small">({t(`status.${o.underlying}` as MessageKey)})</div>
                  ) : null}
                </td>
                <td>
                  <Progress obligation={o} />
                </td>
                <td className="small">
                  {o.forecast?.metAt ? dateTime(o.forecast.metAt) : ''}
                  {o.forecast ? <div className="muted">{o.forecast.basis}</div> : null}
                </td>
                <td className="why" lang="en" dir="ltr">
                  {o.why}
                </td>
              </tr>
              {open === o.id ? (
                <tr className="details">
                  <td colSpan={5}>
                    {o.sources.length > 0 ? (
                      <p>
                        {t('sources')}: {o.sources.map((s) => `${s.source} ${s.done}`).join(' · ')}
                      </p>
                    ) : null}
                    {o.disputes.map((d) => (
                      <div key={d.id} className="dispute">
                        <strong>{d.subject}</strong>
                        <ul>
                          {d.claims.map((c) => (
                            <li key={c.by}>
                              <strong>{c.by}</strong>: <span lang="en">{c.claim}</span>
                            </li>
                          ))}
                        </ul>
                      </div>
                    ))}
                    <h3>{t('events')}</h3>
                    {canReadEvents ? (
                      <EventsBehind ids={o.eventIds} />
                    ) : (
                      <p className="muted">{o.eventIds.join(', ')}</p>
                    )}
                  </td>
                </tr>
              ) : null}
            </Fragment>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function OverviewPage({
  status,
  canReadEvents,
}: {
  status: StatusResponse;
  canReadEvents: boolean;
}) {
  return (
    <>
      <PhaseHeading status={status} sitrep={canReadEvents} />
      <Timeline status={status} />
      <ObligationsTable status={status} canReadEvents={canReadEvents} />
    </>
  );
}
