import type { ObligationStatus, PeriodFigure } from '@truce/core';
import { type FormEvent, useState } from 'react';
import { eventsOfTypes, type StatusResponse } from '../api.ts';
import { StatusBadge } from '../components/status-badge.tsx';
import { agreementDay } from '../days.ts';
import { useI18n } from '../i18n.tsx';
import { useData } from '../live.ts';
import { effectiveEvents, type MapEvent } from '../map/layers.ts';
import { submitReport } from '../outbox.ts';

const sourceColours = ['#2f6f9f', '#c9822b', '#5a8f4e', '#8a4f9e', '#9e4f4f'];

/** One quota's days: each source's figure side by side, and the required count as a line. */
export function QuotaChart({ obligation }: { obligation: ObligationStatus }) {
  const { t, number, date } = useI18n();
  const periods = obligation.periods.slice(-21);
  const sources = [...new Set(periods.flatMap((p) => p.sources.map((s) => s.source)))].sort();
  if (periods.length === 0) return null;
  const top = Math.max(1, ...periods.flatMap((p) => [p.required, ...p.sources.map((s) => s.done)]));
  const width = 100 / periods.length;
  const bar = (width * 0.8) / Math.max(1, sources.length);
  const y = (n: number) => 50 - (n / top) * 46;
  return (
    <figure className="quota-chart" data-obligation={obligation.id}>
      <figcaption>
        <strong>{obligation.title}</strong> <StatusBadge status={obligation.status} />
      </figcaption>
      <svg viewBox="0 0 100 52" preserveAspectRatio="none" role="img" className="bars">
        <title>{obligation.title}</title>
        {periods.map((period: PeriodFigure, i) => (
          <g key={period.from}>
            {period.sources.map((s) => {
              const k = sources.indexOf(s.source);
              return (
                <rect
                  key={s.source}
                  x={i * width + width * 0.1 + k * bar}
                  y={y(s.done)}
                  width={bar}
                  height={50 - y(s.done)}
                  fill={sourceColours[k % sourceColours.length]}
                >
                  <title>
                    {t('day')} {period.day} · {s.source}: {number(s.done)} /{' '}
                    {number(period.required)}
                  </title>
                </rect>
              );
            })}
            {!period.reported ? (
              <text x={i * width + width / 2} y={48} className="unreported" textAnchor="middle">
                ?
              </text>
            ) : null}
            <line
              x1={i * width}
              x2={(i + 1) * width}
              y1={y(period.required)}
              y2={y(period.required)}
              className="required-line"
            />
          </g>
        ))}
      </svg>
      <div className="chart-axis muted small">
        <span>
          {t('day')} {periods[0]!.day} ({date(periods[0]!.from)})
        </span>
        <span>
          {t('day')} {periods.at(-1)!.day}
        </span>
      </div>
      <div className="legend small">
        {sources.map((s, k) => (
          <span key={s}>
            <i style={{ background: sourceColours[k % sourceColours.length] }} /> {s}
          </span>
        ))}
        <span>
          <i className="legend-required" /> {t('required')}
        </span>
        <span className="muted">? = {t('notReported')}</span>
      </div>
      <table className="period-table small">
        <thead>
          <tr>
            <th>{t('day')}</th>
            {sources.map((s) => (
              <th key={s}>{s}</th>
            ))}
            <th>{t('required')}</th>
          </tr>
        </thead>
        <tbody>
          {periods
            .slice(-7)
            .reverse()
            .map((p) => (
              <tr key={p.from} className={p.met ? '' : p.complete ? 'short' : ''}>
                <td>{p.day}</td>
                {sources.map((s) => {
                  const figure = p.sources.find((x) => x.source === s);
                  return <td key={s}>{figure ? number(figure.done) : '—'}</td>;
                })}
                <td>{number(p.required)}</td>
              </tr>
            ))}
        </tbody>
      </table>
    </figure>
  );
}

function RecordTrucks({
  places,
  now,
  onDone,
}: {
  places: string[];
  now: string;
  onDone: () => void;
}) {
  const { t } = useI18n();
  const [crossing, setCrossing] = useState(places[0] ?? '');
  const [count, setCount] = useState('');
  const [cargo, setCargo] = useState('food');
  const [destination, setDestination] = useState('south');
  const [message, setMessage] = useState<string>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const outcome = await submitReport({
      type: 'aid_trucks_crossed',
      occurredAt: now,
      payload: { crossing, cargo, destination, count: Number(count) },
    });
    setMessage(
      outcome.kind === 'recorded'
        ? t('submitted', { seq: outcome.seq })
        : outcome.kind === 'queued'
          ? t('queued')
          : `${t('error')}: ${outcome.message}`,
    );
    if (outcome.kind === 'recorded') {
      setCount('');
      onDone();
    }
  };
  return (
    <form className="card record-form" onSubmit={submit} data-testid="record-trucks">
      <h2>{t('recordDelivery')}</h2>
      <label>
        {t('crossing')}
        <select name="crossing" value={crossing} onChange={(e) => setCrossing(e.target.value)}>
          {places.map((p) => (
            <option key={p}>{p}</option>
          ))}
        </select>
      </label>
      <label>
        {t('trucks')}
        <input
          name="count"
          type="number"
          min={1}
          max={5000}
          required
          value={count}
          onChange={(e) => setCount(e.target.value)}
        />
      </label>
      <label>
        cargo
        <select name="cargo" value={cargo} onChange={(e) => setCargo(e.target.value)}>
          {['food', 'water', 'medical', 'shelter', 'fuel', 'other'].map((c) => (
            <option key={c}>{c}</option>
          ))}
        </select>
      </label>
      <label>
        destination
        <select
          name="destination"
          value={destination}
          onChange={(e) => setDestination(e.target.value)}
        >
          {['south', 'north'].map((d) => (
            <option key={d}>{d}</option>
          ))}
        </select>
      </label>
      <button type="submit">{t('submit')}</button>
      {message ? (
        <p role="status" className="form-message">
          {message}
        </p>
      ) : null}
    </form>
  );
}

/** Trucks per crossing, day and source: what was reported, corrections applied. */
export function trucksByCrossing(
  events: readonly MapEvent[],
  dayOf: (iso: string) => number,
  mediators: ReadonlySet<string>,
): { crossing: string; day: number; source: string; trucks: number }[] {
  const sums = new Map<string, { crossing: string; day: number; source: string; trucks: number }>();
  for (const event of effectiveEvents(events, mediators)) {
    if (event.type !== 'aid_trucks_crossed') continue;
    const crossing = String(event.payload.crossing ?? '?');
    const count = Number(event.payload.count ?? 0);
    const day = dayOf(event.occurredAt);
    const key = `${crossing} ${day} ${event.source}`;
    const row = sums.get(key) ?? { crossing, day, source: event.source, trucks: 0 };
    row.trucks += Number.isFinite(count) ? count : 0;
    sums.set(key, row);
  }
  return [...sums.values()];
}

/** The last seven days, crossing by crossing, each source's count side by side. */
function CrossingTable({
  status,
  version,
  mediators,
}: {
  status: StatusResponse;
  version: number;
  mediators: readonly string[];
}) {
  const { t, number } = useI18n();
  const since = new Date(Date.parse(status.asOf) - 7 * 86_400_000).toISOString();
  const events = useData(
    () => eventsOfTypes(['aid_trucks_crossed', 'correction', 'retraction'], since),
    version,
  );
  if (!events.data) return null;
  const dayOf = (iso: string) => agreementDay(iso, status, status.agreement.timeZone);
  const rows = trucksByCrossing(
    events.data.map((entry) => entry.event),
    dayOf,
    new Set(mediators),
  );
  const days = [...new Set(rows.map((r) => r.day))].sort((a, b) => b - a).slice(0, 7);
  const crossings = [...new Set(rows.map((r) => r.crossing))].sort();
  const sources = [...new Set(rows.map((r) => r.source))].sort();
  return (
    <section className="card" data-testid="aid-crossings">
      <h2>{t('byCrossing')}</h2>
      <p className="muted small">{t('byCrossingNote')}</p>
      <table className="period-table small">
        <thead>
          <tr>
            <th>{t('crossing')}</th>
            {days.map((day) => (
              <th key={day}>
                {t('day')} {day}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {crossings.map((crossing) => (
            <tr key={crossing} data-crossing={crossing}>
              <td>{crossing}</td>
              {days.map((day) => (
                <td key={day}>
                  {sources
                    .map((source) => {
                      const row = rows.find(
                        (r) => r.crossing === crossing && r.day === day && r.source === source,
                      );
                      return row ? `${source} ${number(row.trucks)}` : undefined;
                    })
                    .filter((x) => x !== undefined)
                    .join(' · ') || '—'}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function AidPage({
  status,
  canReport,
  crossings,
  onChange,
  canReadEvents = false,
  version = 0,
  mediators = [],
}: {
  status: StatusResponse;
  canReport: boolean;
  crossings: string[];
  onChange: () => void;
  canReadEvents?: boolean;
  version?: number;
  /** The agreement's mediators, who may correct anyone's report (as in the engine). */
  mediators?: readonly string[];
}) {
  const { t } = useI18n();
  const quotas = status.obligations.filter((o) => o.kind === 'quota' && o.periods.length > 0);
  return (
    <>
      <h1>{t('aid')}</h1>
      <p className="muted">{t('trucksPerDay')}</p>
      {canReport ? <RecordTrucks places={crossings} now={status.asOf} onDone={onChange} /> : null}
      {canReadEvents ? (
        <CrossingTable status={status} version={version} mediators={mediators} />
      ) : null}
      <div className="chart-grid">
        {quotas.map((o) => (
          <section className="card" key={o.id}>
            <QuotaChart obligation={o} />
            <p className="why small" lang="en" dir="ltr">
              {o.why}
            </p>
          </section>
        ))}
      </div>
    </>
  );
}
