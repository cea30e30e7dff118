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

/** An organisation that is expected to witness the log: a party or guarantor of the agreement. */
export interface ExpectedWitness {
  id: string;
  name: string;
}

/** A witness's line in the table of the latest checkpoint. */
export interface CosignerRow {
  id: string;
  name: string;
  /** When it cosigned the latest checkpoint; undefined: not yet. */
  cosignedAt: string | undefined;
  /** Not yet: the largest checkpoint it did cosign, and when (none: it never cosigned). */
  last?: { size: number; cosignedAt: string };
}

/**
 * Who co-signed the latest checkpoint: each party and guarantor of the agreement, cosigned or
 * not yet (with how far it got), then any other witness. A party that does not cosign has not
 * checked that this log shows it the same history as everyone else.
 */
export function cosignerRows(checkpoint: Checkpoint, expected: readonly ExpectedWitness[]) {
  const now = new Map((checkpoint.cosigners ?? []).map((c) => [c.witness, c.cosignedAt]));
  const last = new Map((checkpoint.witnesses ?? []).map((w) => [w.witness, w]));
  const row = (id: string, name: string): CosignerRow => {
    const cosignedAt = now.get(id);
    const before = last.get(id);
    return {
      id,
      name,
      cosignedAt,
      ...(cosignedAt === undefined && before
        ? { last: { size: before.checkpointSize, cosignedAt: before.cosignedAt } }
        : {}),
    };
  };
  const known = new Set(expected.map((w) => w.id));
  const others = new Set([...now.keys(), ...last.keys()].filter((id) => !known.has(id)));
  return [
    ...expected.map((w) => row(w.id, w.name)),
    ...[...others].sort().map((id) => row(id, id)),
  ];
}

function Cosigners({
  checkpoint,
  expected,
}: {
  checkpoint: Checkpoint;
  expected: readonly ExpectedWitness[];
}) {
  const { t, dateTime, number } = useI18n();
  const rows = cosignerRows(checkpoint, expected);
  if (rows.length === 0) return <p className="muted">{t('notCosigned')}</p>;
  return (
    <table data-testid="cosigners">
      <thead>
        <tr>
          <th>{t('witness')}</th>
          <th>{t('cosignedAt')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.id} data-witness={row.id} data-cosigned={row.cosignedAt ? 'yes' : 'no'}>
            <td>{row.name}</td>
            {row.cosignedAt ? (
              <td>{dateTime(row.cosignedAt)}</td>
            ) : (
              <td className="muted">
                {row.last
                  ? t('cosignedBehind', {
                      size: number(row.last.size),
                      behind: number(checkpoint.size - row.last.size),
                      at: dateTime(row.last.cosignedAt),
                    })
                  : t('neverCosigned')}
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function LedgerPage({
  version,
  canExport,
  witnesses,
}: {
  version: number;
  canExport: boolean;
  /** The parties and guarantors of the agreement: each is expected to cosign. */
  witnesses: readonly ExpectedWitness[];
}) {
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
          </dl>
        ) : (
          <p className="muted">{t('loading')}</p>
        )}
        {cp ? (
          <>
            <h3>{t('cosigned')}</h3>
            <Cosigners checkpoint={cp} expected={witnesses} />
            <details>
              <summary>{t('signedNote')}</summary>
              <pre className="mono small" dir="ltr">
                {cp.note}
              </pre>
            </details>
          </>
        ) : null}
      </section>
      {canExport ? <Verifier stated={log.data?.verifierKey} /> : null}
      {canExport ? (
        <section className="card" data-testid="export">
          <h2>{t('export.title')}</h2>
          <p className="muted">{t('export.explain')}</p>
          <a href="/api/v1/export" download="entries.jsonl">
            {t('export.download')}
          </a>
        </section>
      ) : null}
    </>
  );
}
