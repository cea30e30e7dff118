import type { ObligationStatus, PeriodFigure } from '@truce/core';
import { type FormEvent, useState } from 'react';
import { api, eventsOfTypes, type StatusResponse } from '../api.ts';
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

/** What GET /api/v1/aid/pipeline returns (routes/aid/schema.ts). */
export interface PipelineResponse {
  asOf: string;
  day: number;
  states: { crossing: string; counts: Record<string, number> }[];
  flagged: number;
  byCrossing: DwellRow[];
  byDay: DwellRow[];
}

export interface DwellRow {
  crossing: string;
  state: string;
  day: number | null;
  count: number;
  medianHours: number | null;
  p90Hours: number | null;
  open: number;
  stuck: { consignment: string; hours: number }[];
  stuckAfterHours: number;
}

/** What GET /api/v1/aid/reconciliation returns (routes/aid/schema.ts). */
export interface ReconciliationResponse {
  asOf: string;
  days: {
    day: number;
    sources: { source: string; count: number; fromConsignments: number }[];
    reconciliation: Pair[];
  }[];
}

interface Pair {
  higher: { source: string; count: number };
  lower: { source: string; count: number };
  difference: number;
  explained: { rule: string; amount: number; detail: string }[];
  unexplained: number;
  comparable: boolean;
}

/** The waiting states in pipeline order. */
export const pipelineStates = [
  'registered',
  'cleared',
  'crossed',
  'uncollected',
  'collected',
  'warehoused',
] as const;

/** One crossing's dwell rows in pipeline order (a state nobody waited in is left out). */
export function pipelineRows(stats: readonly DwellRow[], crossing: string): DwellRow[] {
  return pipelineStates.flatMap((state) =>
    stats.filter((s) => s.crossing === crossing && s.state === state && s.day === null),
  );
}

export interface ReconciliationRow {
  day: number;
  higher: { source: string; count: number };
  lower: { source: string; count: number };
  halfLoads: number;
  outOfScope: number;
  unexplained: number;
  comparable: boolean;
}

/**
 * A crossing's median hours per step for each day the stays began, newest first (the last
 * `days` days that have any): `cells[state]` is null where no stay of that step ended.
 */
export function dwellByDay(
  stats: readonly DwellRow[],
  crossing: string,
  days = 7,
): { day: number; cells: Record<string, { median: number | null; count: number } | null> }[] {
  const rows = stats.filter((s) => s.crossing === crossing && s.day !== null);
  const dayList = [...new Set(rows.map((s) => s.day as number))].sort((a, b) => b - a);
  return dayList.slice(0, days).map((day) => ({
    day,
    cells: Object.fromEntries(
      pipelineStates.map((state) => {
        const row = rows.find((s) => s.day === day && s.state === state);
        return [state, row ? { median: row.medianHours, count: row.count } : null];
      }),
    ),
  }));
}

/** Each day's pairs of sources, newest day first, with the amount each rule explains. */
export function reconciliationRows(days: ReconciliationResponse['days']): ReconciliationRow[] {
  const amount = (pair: Pair, rule: string) =>
    pair.explained.filter((e) => e.rule === rule).reduce((sum, e) => sum + e.amount, 0);
  return [...days]
    .sort((a, b) => b.day - a.day)
    .flatMap((d) =>
      d.reconciliation.map((pair) => ({
        day: d.day,
        higher: pair.higher,
        lower: pair.lower,
        halfLoads: amount(pair, 'half-loads'),
        outOfScope: amount(pair, 'crossings out of scope'),
        unexplained: pair.unexplained,
        comparable: pair.comparable,
      })),
    );
}

/** What GET /api/v1/aid/crossings returns (routes/aid/schema.ts). */
interface CrossingsResponse {
  asOf: string;
  crossings: {
    id: string;
    name: string;
    open: boolean;
    why: string;
    hours: { opens: string; closes: string } | null;
    trucksPerDay: number | null;
  }[];
}

/** Each crossing: open or closed now, and why; its hours and capacity. */
function Crossings({ version }: { version: number }) {
  const { t, number } = useI18n();
  const result = useData(() => api<CrossingsResponse>('/api/v1/aid/crossings'), version);
  if (!result.data || result.data.crossings.length === 0) return null;
  return (
    <section className="card" data-testid="aid-crossings-now">
      <h2>{t('aid.crossingsNow')}</h2>
      <table className="period-table small">
        <thead>
          <tr>
            <th>{t('crossing')}</th>
            <th>{t('aid.state')}</th>
            <th>{t('aid.openingHours')}</th>
            <th>{t('aid.capacity')}</th>
          </tr>
        </thead>
        <tbody>
          {result.data.crossings.map((c) => (
            <tr key={c.id} data-crossing={c.id} data-open={String(c.open)}>
              <td>{c.name}</td>
              <td className={c.open ? 'ok' : 'warning'}>
                {c.open ? t('aid.open') : t('aid.closed')}{' '}
                <span className="muted" lang="en" dir="ltr">
                  ({c.why})
                </span>
              </td>
              <td>{c.hours ? `${c.hours.opens}–${c.hours.closes}` : '—'}</td>
              <td>{c.trucksPerDay === null ? '—' : number(c.trucksPerDay)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** Dwell per step and crossing: where consignments wait, and which wait too long. */
function Pipeline({ version }: { version: number }) {
  const { t, number } = useI18n();
  const pipeline = useData(() => api<PipelineResponse>('/api/v1/aid/pipeline'), version);
  const data = pipeline.data;
  if (!data) return null;
  const crossings = [...new Set(data.byCrossing.map((s) => s.crossing))].sort();
  const hours = (h: number | null) => (h === null ? '—' : number(h));
  return (
    <section className="card" data-testid="aid-pipeline">
      <h2>{t('aid.pipeline')}</h2>
      <p className="muted small">{t('aid.pipelineNote')}</p>
      {crossings.length === 0 ? <p className="muted">{t('aid.noConsignments')}</p> : null}
      {data.flagged > 0 ? (
        <p className="small" data-testid="aid-flagged">
          {t('aid.flagged', { count: number(data.flagged) })}
        </p>
      ) : null}
      {crossings.map((crossing) => {
        const rows = pipelineRows(data.byCrossing, crossing);
        const stuck = rows.flatMap((r) => r.stuck.map((s) => ({ ...s, state: r.state })));
        return (
          <div key={crossing} data-crossing={crossing}>
            <h3>{crossing}</h3>
            <table className="period-table small">
              <thead>
                <tr>
                  <th>{t('aid.step')}</th>
                  <th>{t('aid.median')}</th>
                  <th>{t('aid.p90')}</th>
                  <th>{t('aid.ended')}</th>
                  <th>{t('aid.waiting')}</th>
                  <th>{t('aid.stuck')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.state} data-state={r.state} className={r.stuck.length ? 'short' : ''}>
                    <td>{t(`consignmentState.${r.state}` as never)}</td>
                    <td>{hours(r.medianHours)}</td>
                    <td>{hours(r.p90Hours)}</td>
                    <td>{number(r.count)}</td>
                    <td>{number(r.open)}</td>
                    <td title={t('aid.stuckAfter', { hours: number(r.stuckAfterHours) })}>
                      {number(r.stuck.length)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <details className="small" data-testid="aid-dwell-by-day">
              <summary>{t('aid.byDay')}</summary>
              <table className="period-table small">
                <thead>
                  <tr>
                    <th>{t('day')}</th>
                    {pipelineStates.map((state) => (
                      <th key={state}>{t(`consignmentState.${state}` as never)}</th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {dwellByDay(data.byDay, crossing).map((row) => (
                    <tr key={row.day} data-day={row.day}>
                      <td>{row.day}</td>
                      {pipelineStates.map((state) => {
                        const cell = row.cells[state];
                        return (
                          <td key={state}>
                            {cell ? `${hours(cell.median)} (${number(cell.count)})` : '—'}
                          </td>
                        );
                      })}
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
            {stuck.length > 0 ? (
              <p className="small" data-testid="aid-stuck">
                {t('aid.stuck')}:{' '}
                {stuck
                  .slice(0, 8)
                  .map((s) => `${s.consignment} (${t('aid.hours', { hours: number(s.hours) })})`)
                  .join(' · ')}
              </p>
            ) : null}
          </div>
        );
      })}
    </section>
  );
}

/** Each day's sources side by side, and how much of each gap the counting rules explain. */
function Reconciliation({ status, version }: { status: StatusResponse; version: number }) {
  const { t, number } = useI18n();
  const fromDay = status.day - 7;
  const result = useData(
    () => api<ReconciliationResponse>(`/api/v1/aid/reconciliation?fromDay=${fromDay}`),
    version,
  );
  if (!result.data) return null;
  const rows = reconciliationRows(result.data.days);
  return (
    <section className="card" data-testid="aid-reconciliation">
      <h2>{t('aid.reconciliation')}</h2>
      <p className="muted small">{t('aid.reconciliationNote')}</p>
      <table className="period-table small">
        <thead>
          <tr>
            <th>{t('day')}</th>
            <th>{t('aid.higher')}</th>
            <th>{t('aid.lower')}</th>
            <th>{t('aid.difference')}</th>
            <th>{t('aid.explainedHalfLoads')}</th>
            <th>{t('aid.explainedScope')}</th>
            <th>{t('aid.unexplained')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.day} ${r.higher.source} ${r.lower.source}`} data-day={r.day}>
              <td>{r.day}</td>
              <td>
                {r.higher.source} {number(r.higher.count)}
              </td>
              <td>
                {r.lower.source} {number(r.lower.count)}
              </td>
              <td>{number(r.higher.count - r.lower.count)}</td>
              <td>{r.comparable ? number(r.halfLoads) : '—'}</td>
              <td>{r.comparable ? number(r.outOfScope) : '—'}</td>
              {/* A residual is a question to put to the sources, not a breach: amber, not red. */}
              <td className={r.comparable && r.unexplained === 0 ? 'ok' : 'warning'}>
                {r.comparable ? number(r.unexplained) : t('aid.notComparable')}
              </td>
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
      <Crossings version={version} />
      <Reconciliation status={status} version={version} />
      {canReadEvents ? <Pipeline version={version} /> : null}
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
