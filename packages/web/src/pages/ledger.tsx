import { useEffect, useState } from 'react';
import { api, type Checkpoint } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { useData } from '../live.ts';

interface LogInfo {
  origin: string;
  verifierKey: string;
  operator: string;
}

/** The checkpoint's root hash: the third line of the signed note (C2SP tlog-checkpoint). */
export function rootOf(note: string): string {
  return note.split('\n')[2] ?? '';
}

function Verifier({ stated }: { stated: string | undefined }) {
  const { t } = useI18n();
  const [key, setKey] = useState(() => localStorage.getItem('truce.logKey') ?? stated ?? '');
  // The key this server states arrives after the first render: offer it when nothing is pinned.
  useEffect(() => {
    if (stated && key === '') setKey(stated);
  }, [stated, key]);
  const [state, setState] = useState<
    | { kind: 'idle' }
    | { kind: 'running'; done: number; total: number }
    | { kind: 'done'; ok: boolean; text: string; problems: string[] }
  >({ kind: 'idle' });
  const run = async () => {
    localStorage.setItem('truce.logKey', key.trim());
    setState({ kind: 'running', done: 0, total: 0 });
    try {
      // Loaded on demand: the verifier is not needed to show the page.
      const { fetchLedger, verifyLedger } = await import('../verify/index.ts');
      const ledger = await fetchLedger();
      const report = await verifyLedger({
        logKey: key.trim(),
        ...ledger,
        onProgress: (done: number, total: number) => setState({ kind: 'running', done, total }),
      });
      setState({
        kind: 'done',
        ok: report.ok,
        text: report.ok ? t('verified', { n: report.size }) : t('verifyFailed'),
        problems: report.problems.slice(0, 20).map((p) => `${p.code}: ${p.message}`),
      });
    } catch (error) {
      setState({
        kind: 'done',
        ok: false,
        text: t('verifyFailed'),
        problems: [error instanceof Error ? error.message : String(error)],
      });
    }
  };
  return (
    <section className="card" data-testid="verifier">
      <h2>{t('verifyInBrowser')}</h2>
      <p className="muted">{t('verifyExplain')}</p>
      <label>
        {t('logKey')}
        <input
          name="logKey"
          className="mono"
          dir="ltr"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          spellCheck={false}
        />
      </label>
      {stated && key.trim() !== stated ? <p className="warning small">≠ {stated}</p> : null}
      <button type="button" onClick={run} disabled={state.kind === 'running' || key.trim() === ''}>
        {t('verifyInBrowser')}
      </button>
      {state.kind === 'running' ? (
        <p role="status">
          {t('verifying')} {state.total ? `${state.done} / ${state.total}` : ''}
        </p>
      ) : null}
      {state.kind === 'done' ? (
        <div role="status" className={state.ok ? 'ok' : 'error'} data-testid="verify-result">
          <strong>{state.text}</strong>
          {state.problems.length > 0 ? (
            <ul className="small">
              {state.problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

export function LedgerPage({ version, canExport }: { version: number; canExport: boolean }) {
  const { t, number, dateTime } = useI18n();
  const checkpoint = useData(() => api<Checkpoint>('/api/v1/checkpoints/latest'), version);
  const log = useData(() => api<LogInfo>('/api/v1/log'), 0);
  const cp = checkpoint.data;
  return (
    <>
      <h1>{t('ledger')}</h1>
      <section className="card" data-testid="checkpoint">
        <h2>{t('latestCheckpoint')}</h2>
        {cp ? (
          <dl className="facts">
            <dt>{t('treeSize')}</dt>
            <dd>{number(cp.size)}</dd>
            <dt>{t('rootHash')}</dt>
            <dd className="mono" dir="ltr">
              {rootOf(cp.note)}
            </dd>
            <dt>{t('asOf')}</dt>
            <dd>{dateTime(cp.savedAt)}</dd>
            <dt>{t('cosigned')}</dt>
            <dd>
              {cp.cosigners && cp.cosigners.length > 0
                ? cp.cosigners.map((c) => c.witness).join(', ')
                : t('notCosigned')}
            </dd>
          </dl>
        ) : (
          <p className="muted">{t('loading')}</p>
        )}
        {cp ? (
          <details>
            <summary>note</summary>
            <pre className="mono small" dir="ltr">
              {cp.note}
            </pre>
          </details>
        ) : null}
      </section>
      {canExport ? <Verifier stated={log.data?.verifierKey} /> : null}
    </>
  );
}
