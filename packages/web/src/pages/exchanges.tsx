import { type Entry, eventsOfTypes, type StatusResponse } from '../api.ts';
import { StatusBadge } from '../components/status-badge.tsx';
import { agreementDay } from '../days.ts';
import { useI18n } from '../i18n.tsx';
import { useData } from '../live.ts';

interface Person {
  id: string;
  category?: string;
  living?: boolean;
}

const releaseTypes = ['hostage_released', 'prisoner_released', 'remains_returned'];

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
  const obligations = status.obligations.filter(
    (o) => o.kind === 'exchange' || o.kind === 'schedule',
  );
  const dayOf = (iso: string) => agreementDay(iso, status, status.agreement.timeZone);
  const rows = releasesByDay(releases.data ?? [], dayOf);
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
              {number(o.progress.done)}
              {o.progress.required !== null ? ` / ${number(o.progress.required)}` : ''}{' '}
              {o.progress.unit}
            </p>
            <p className="why small" lang="en" dir="ltr">
              {o.why}
            </p>
          </section>
        ))}
      </div>
      {canReadEvents ? (
        <section className="card">
          <h2>{t('releases')}</h2>
          <table className="period-table">
            <thead>
              <tr>
                <th>{t('day')}</th>
                <th>hostages</th>
                <th>prisoners</th>
                <th>remains</th>
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
          <h3>{t('handoverChain')}</h3>
          <ul className="handover">
            {(releases.data ?? []).map((entry) => (
              <li key={entry.seq}>
                <code>#{entry.seq}</code> {dateTime(entry.event.occurredAt)} · {entry.event.type} ·{' '}
                {entry.event.source} ·{' '}
                {((entry.event.payload.persons as Person[] | undefined) ?? [])
                  .map((p) => p.id)
                  .join(', ')}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}
