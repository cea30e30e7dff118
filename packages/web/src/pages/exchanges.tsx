import type { ExchangeReleaseFigure } from '@truce/core';
import { useState } from 'react';
import { ApiError, api, type Entry, eventsOfTypes, me, type StatusResponse } from '../api.ts';
import { StatusBadge } from '../components/status-badge.tsx';
import { agreementDay } from '../days.ts';
import { type MessageKey, useI18n } from '../i18n.tsx';
import { useData } from '../live.ts';
import { mayRecordPersons, PersonLookup, PersonRecordForm } from './exchanges-persons.tsx';

interface Person {
  id: string;
  category?: string;
  living?: boolean;
}

interface HistoryEntry {
  status: string;
  at: string;
  eventId: string;
  by: string;
  place?: string;
}

interface RegisterPerson {
  id: string;
  category: string | null;
  status: string;
  history: HistoryEntry[];
}

interface RegisterIssue {
  code: string;
  severity: 'error' | 'warning';
  eventId: string;
  person: string;
  message: string;
}

const releaseTypes = ['hostage_released', 'prisoner_released', 'remains_returned'];
const personFields = ['name', 'dateOfBirth', 'photo', 'identityNumber'] as const;
type PersonField = (typeof personFields)[number];
/** As persons/field-access.ts on the server: the panel is shown only to roles that may read. */
const fieldsByRole: Record<string, readonly PersonField[]> = {
  agency: personFields,
  mediator: ['name', 'dateOfBirth', 'photo'],
  party_liaison: personFields,
};

/** Releases per day of the agreement and side, from the release events (pseudonymous ids). */
export function releasesByDay(
  entries: readonly Entry[],
  dayOf: (iso: string) => number,
): { day: number; hostages: number; prisoners: number; remains: number }[] {
  const days = new Map<
    number,
    { day: number; hostages: number; prisoners: number; remains: number }
  >();
  for (const entry of entries) {
    const persons = (entry.event.payload.persons as Person[] | undefined) ?? [];
    const day = dayOf(entry.event.occurredAt);
    const row = days.get(day) ?? { day, hostages: 0, prisoners: 0, remains: 0 };
    if (entry.event.type === 'hostage_released') row.hostages += persons.length;
    else if (entry.event.type === 'prisoner_released') row.prisoners += persons.length;
    else row.remains += persons.length || 1;
    days.set(day, row);
  }
  return [...days.values()].sort((a, b) => a.day - b.day);
}

/** A count as the server sent it: null is a cell of 1 to 4 persons, suppressed for observers. */
const countText = (n: number | null, number: (n: number) => string) =>
  n === null ? '<5' : number(n);

const categoryText = (
  parts: { category: string; count: number | null }[],
  number: (n: number) => string,
) =>
  parts.map((p) => `${countText(p.count, number)} ${p.category.replace(/_/g, ' ')}`).join(' + ') ||
  '—';

/** Figures of a release; for observers, the server sends counts from 1 to 4 as null. */
type ReleaseFigure = Omit<
  ExchangeReleaseFigure,
  'counterparts' | 'owedTotal' | 'madeTotal' | 'owed' | 'made'
> & {
  counterparts: number | null;
  owedTotal: number | null;
  madeTotal: number | null;
  owed: { category: string; count: number | null }[];
  made: { category: string; count: number | null }[];
};

function RatioTable({ figures }: { figures: ReleaseFigure[] }) {
  const { t, number, dateTime } = useI18n();
  return (
    <table className="period-table" data-testid="ratios">
      <thead>
        <tr>
          <th>{t('exchanges.release')}</th>
          <th>{t('exchanges.counterparts')}</th>
          <th>{t('owed')}</th>
          <th>{t('made')}</th>
          <th>{t('exchanges.dueBy')}</th>
          <th>{t('exchanges.state')}</th>
        </tr>
      </thead>
      <tbody>
        {figures.map((f) => (
          <tr key={f.eventId} data-state={f.state}>
            <td>
              {dateTime(f.at)} <code>{f.eventId}</code>
            </td>
            <td>{countText(f.counterparts, number)}</td>
            <td>
              {countText(f.owedTotal, number)} ({categoryText(f.owed, number)})
            </td>
            <td>
              {countText(f.madeTotal, number)}
              {f.made.length ? ` (${categoryText(f.made, number)})` : ''}
            </td>
            <td>{dateTime(f.dueAt)}</td>
            <td>{t(`exchangeState.${f.state}` as MessageKey)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function PersonData({ person, fields }: { person: string; fields: readonly PersonField[] }) {
  const { t } = useI18n();
  const [reason, setReason] = useState('');
  const [chosen, setChosen] = useState<PersonField[]>(['name']);
  const [values, setValues] = useState<Partial<Record<PersonField, string>> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const show = async () => {
    setBusy(true);
    setError(null);
    try {
      const result = await api<{ values: Partial<Record<PersonField, string>> }>(
        `/api/v1/persons/${encodeURIComponent(person)}/decrypt`,
        { method: 'POST', body: { fields: chosen, reason } },
      );
      setValues(result.values);
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="person-data"
      onSubmit={(event) => {
        event.preventDefault();
        void show();
      }}
    >
      <fieldset>
        <legend>{t('exchanges.personData')}</legend>
        {fields.map((field) => (
          <label key={field}>
            <input
              type="checkbox"
              checked={chosen.includes(field)}
              onChange={(event) =>
                setChosen((list) =>
                  event.target.checked ? [...list, field] : list.filter((f) => f !== field),
                )
              }
            />{' '}
            {t(`personField.${field}` as MessageKey)}
          </label>
        ))}
        <label>
          {t('exchanges.reason')}{' '}
          <input
            value={reason}
            minLength={10}
            required
            onChange={(event) => setReason(event.target.value)}
            placeholder={t('exchanges.reasonHint')}
          />
        </label>
        <button type="submit" disabled={busy || reason.trim().length < 10 || chosen.length === 0}>
          {t('exchanges.showPersonData')}
        </button>
        <p className="small muted">{t('exchanges.personDataAudited')}</p>
        {error ? (
          <p role="alert" className="error">
            {error}
          </p>
        ) : null}
        {values ? (
          <dl>
            {Object.entries(values).map(([field, value]) => (
              <div key={field}>
                <dt>{t(`personField.${field}` as MessageKey)}</dt>
                <dd>
                  {field === 'photo' ? (
                    <img alt={t('personField.photo')} src={`data:image/jpeg;base64,${value}`} />
                  ) : (
                    value
                  )}
                </dd>
              </div>
            ))}
          </dl>
        ) : null}
      </fieldset>
    </form>
  );
}

export function ExchangesPage({
  status,
  canReadEvents,
  version,
}: {
  status: StatusResponse;
  canReadEvents: boolean;
  version: number;
}) {
  const { t, number, dateTime } = useI18n();
  const releases = useData(
    async () => (canReadEvents ? await eventsOfTypes(releaseTypes) : []),
    version,
  );
  const register = useData(
    async () =>
      canReadEvents
        ? await api<{ persons: RegisterPerson[]; issues: RegisterIssue[] }>(
            '/api/v1/exchanges/register',
          )
        : { persons: [], issues: [] },
    version,
  );
  const user = useData(async () => (await me()) ?? null, 0);
  const [selected, setSelected] = useState<string | null>(null);
  const obligations = status.obligations.filter(
    (o) => o.kind === 'exchange' || o.kind === 'schedule',
  );
  const dayOf = (iso: string) => agreementDay(iso, status, status.agreement.timeZone);
  const rows = releasesByDay(releases.data ?? [], dayOf);
  const persons = register.data?.persons ?? [];
  const issues = register.data?.issues ?? [];
  const chosen = persons.find((p) => p.id === selected) ?? null;
  const readable = fieldsByRole[user.data?.role ?? ''] ?? [];
  return (
    <>
      <h1>{t('exchanges')}</h1>
      <div className="chart-grid">
        {obligations.map((o) => (
          <section className="card" key={o.id} data-obligation={o.id}>
            <h2>
              {o.title} <StatusBadge status={o.status} />
            </h2>
            <p>
              {(o.progress.done as number | null) === null ? '<5' : number(o.progress.done)}
              {o.progress.required !== null ? ` / ${number(o.progress.required)}` : ''}{' '}
              {o.progress.unit}
            </p>
            <p className="why small" lang="en" dir="ltr">
              {o.why}
            </p>
          </section>
        ))}
      </div>
      {obligations
        .filter((o) => o.exchanges && o.exchanges.length > 0)
        .map((o) => (
          <section className="card" key={`${o.id}-ratios`}>
            <h2>
              {t('exchanges.ratiosPerRelease')}: {o.title}
            </h2>
            <RatioTable figures={o.exchanges ?? []} />
          </section>
        ))}
      {canReadEvents ? (
        <section className="card">
          <h2>{t('releases')}</h2>
          <table className="period-table">
            <thead>
              <tr>
                <th>{t('day')}</th>
                <th>{t('exchanges.hostages')}</th>
                <th>{t('exchanges.prisoners')}</th>
                <th>{t('exchanges.remains')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.day}>
                  <td>{row.day}</td>
                  <td>{number(row.hostages)}</td>
                  <td>{number(row.prisoners)}</td>
                  <td>{number(row.remains)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
      {canReadEvents ? (
        <section className="card" data-testid="register">
          <h2>{t('handoverChain')}</h2>
          {issues.length > 0 ? (
            <ul className="issues">
              {issues.map((issue) => (
                <li
                  key={`${issue.eventId}-${issue.person}-${issue.code}`}
                  data-severity={issue.severity}
                >
                  <code>{issue.code}</code>{' '}
                  <span lang="en" dir="ltr">
                    {issue.message}
                  </span>
                </li>
              ))}
            </ul>
          ) : null}
          <table className="period-table">
            <thead>
              <tr>
                <th>{t('exchanges.person')}</th>
                <th>{t('exchanges.category')}</th>
                <th>{t('exchanges.state')}</th>
              </tr>
            </thead>
            <tbody>
              {persons
                .filter((p) => p.history.length > 1)
                .map((p) => (
                  <tr key={p.id} aria-selected={p.id === selected}>
                    <td>
                      <button type="button" className="link" onClick={() => setSelected(p.id)}>
                        {p.id}
                      </button>
                    </td>
                    <td>{p.category?.replace(/_/g, ' ') ?? '—'}</td>
                    <td>{t(`personStatus.${p.status}` as MessageKey)}</td>
                  </tr>
                ))}
            </tbody>
          </table>
          {chosen ? (
            <div className="person-history">
              <h3>{chosen.id}</h3>
              <ol className="handover">
                {chosen.history.map((h) => (
                  <li key={`${h.eventId}-${h.status}`}>
                    {dateTime(h.at)} · {t(`personStatus.${h.status}` as MessageKey)} · {h.by}
                    {h.place ? ` · ${h.place}` : ''} <code>{h.eventId}</code>
                  </li>
                ))}
              </ol>
              {readable.length > 0 ? (
                <PersonData key={chosen.id} person={chosen.id} fields={readable} />
              ) : null}
            </div>
          ) : null}
        </section>
      ) : null}
      {canReadEvents ? (
        <PersonLookup>
          {(id) =>
            readable.length > 0 ? <PersonData key={id} person={id} fields={readable} /> : null
          }
        </PersonLookup>
      ) : null}
      {canReadEvents && mayRecordPersons(user.data) ? <PersonRecordForm onDone={() => {}} /> : null}
    </>
  );
}
