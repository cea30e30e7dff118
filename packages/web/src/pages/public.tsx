import { Fragment, useEffect, useState } from 'react';
import { ApiError, api, type PublicStatus } from '../api.ts';
import { StatusBadge } from '../components/status-badge.tsx';
import { isRtl, type Language, languages, useI18n } from '../i18n.tsx';

/**
 * The public page: no login, only what someone with the publish permission released —
 * statuses, their explanations and aggregate progress, never person data, and no figure
 * below 5 (the server blanks them before they leave it). Also how to verify the ledger.
 */
export function PublicPage() {
  const { t, number, dateTime, setTimeZone, language, setLanguage } = useI18n();
  const [data, setData] = useState<PublicStatus | null>();
  const [error, setError] = useState<string>();
  const [log, setLog] = useState<{ verifierKey: string; origin: string }>();
  useEffect(() => {
    const load = () =>
      api<PublicStatus>('/api/v1/public/status')
        .then((status) => {
          setData(status);
          setTimeZone(status.agreement.timeZone);
        })
        .catch((reason: unknown) => {
          if (reason instanceof ApiError && reason.status === 404) setData(null);
          else setError(reason instanceof Error ? reason.message : String(reason));
        });
    load();
    api<{ verifierKey: string; origin: string }>('/api/v1/log')
      .then(setLog)
      .catch(() => undefined);
    const timer = setInterval(load, 60_000);
    return () => clearInterval(timer);
  }, [setTimeZone]);
  const names: Record<Language, string> = { en: 'English', ar: 'العربية', he: 'עברית' };
  return (
    <main className="public">
      <header className="public-header">
        <h1>{t('publicTitle')}</h1>
        <select
          name="language"
          aria-label={t('language')}
          value={language}
          onChange={(e) => setLanguage(e.target.value as Language)}
        >
          {languages.map((l) => (
            <option key={l} value={l} dir={isRtl(l) ? 'rtl' : 'ltr'}>
              {names[l]}
            </option>
          ))}
        </select>
      </header>
      <p className="muted">{t('publicNote')}</p>
      {error ? <p className="error">{error}</p> : null}
      {data === null ? <p>{t('nothingPublished')}</p> : null}
      {data ? (
        <section className="card">
          <h2 dir="auto">{data.agreement.title}</h2>
          <p>
            {t('day')} {data.day} · {t('asOf')} {dateTime(data.asOf)} · {t('publishedAt')}{' '}
            {dateTime(data.publishedAt)}
          </p>
          <p className="muted small">{t('whyInEnglish')}</p>
          <table className="obligations" data-testid="public-obligations">
            <thead>
              <tr>
                <th>{t('obligations')}</th>
                <th>{t('status')}</th>
                <th>{t('progress')}</th>
                <th>{t('why')}</th>
              </tr>
            </thead>
            <tbody>
              {data.obligations.map((o) => (
                <tr key={o.id} data-obligation={o.id}>
                  <td dir="auto">{o.title}</td>
                  <td>
                    <StatusBadge status={o.status} />
                  </td>
                  <td>
                    {o.progress
                      ? `${o.progress.done === null ? '<5' : number(o.progress.done)}${
                          o.progress.required !== null ? ` / ${number(o.progress.required)}` : ''
                        } ${o.progress.unit}`
                      : ''}
                  </td>
                  <td className="why" lang="en" dir="ltr">
                    {o.why}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
      {data?.incidents ? (
        <section className="card" data-testid="public-incidents">
          <h2>{t('incidentReports')}</h2>
          <dl className="facts">
            {Object.entries(data.incidents).map(([state, n]) => (
              <Fragment key={state}>
                <dt>{state}</dt>
                <dd>{n === null ? '<5' : number(n)}</dd>
              </Fragment>
            ))}
          </dl>
        </section>
      ) : null}
      <section className="card">
        <h2>{t('verifyInBrowser')}</h2>
        <p>
          {t('treeSize')}: {data ? number(data.ledgerSize) : '…'}
        </p>
        {data?.checkpoint ? (
          <>
            <h3>{t('latestCheckpoint')}</h3>
            <pre className="mono small" dir="ltr" data-testid="public-checkpoint">
              {data.checkpoint.note}
            </pre>
            <p className="small" data-testid="public-cosigners">
              {t('cosigned')}:{' '}
              {data.checkpoint.cosigners?.length
                ? data.checkpoint.cosigners.map((c) => c.witness).join(', ')
                : t('notCosigned')}
            </p>
          </>
        ) : null}
        {log ? (
          <p className="small">
            {t('logKey')}:{' '}
            <code dir="ltr" className="mono">
              {log.verifierKey}
            </code>
          </p>
        ) : null}
        <p className="small">
          <code dir="ltr">truce verify DIR</code> · docs/LEDGER.md
        </p>
      </section>
    </main>
  );
}
