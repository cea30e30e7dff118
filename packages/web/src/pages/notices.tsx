import { useEffect, useState } from 'react';
import { ApiError, api } from '../api.ts';
import { type MessageKey, useI18n } from '../i18n.tsx';
import { useData } from '../live.ts';

/** A notice as GET /api/v1/notices gives it (packages/server/src/presenters/notices.ts). */
interface Notice {
  notice: string;
  eventId: string;
  from: string;
  kind: string;
  subject: string;
  body: string;
  to: string[];
  via: string[];
  sentAt: string;
  replyBy: string | null;
  forDay: number | null;
  acknowledgeBy: string;
  recipients: {
    org: string;
    state: 'sent' | 'delivered' | 'read' | 'acknowledged' | 'answered';
    delivery: { at: string; channel: string; by: string } | null;
    acknowledgedAt: string | null;
    overdue: boolean;
  }[];
  overdue: boolean;
  answerOverdue: boolean;
  escalations: { to: string; at: string; cleared: boolean }[];
  nextEscalation: { to: string; at: string } | null;
  direction: 'inbox' | 'outbox' | 'other';
  awaitingMyAcknowledgement: boolean;
}

interface Alert {
  id: number;
  title: string;
  subscriptionName: string;
  raisedAt: string;
  readAt: string | null;
}

export interface AlertList {
  alerts: Alert[];
  unread: number;
}

export const loadAlerts = () => api<AlertList>('/api/v1/alerts?limit=50');

/** The number of unread alerts, in the top bar; it opens the alerts on the notices page. */
export function AlertsBadge({ version, onOpen }: { version: number; onOpen: () => void }) {
  const { t } = useI18n();
  const alerts = useData(loadAlerts, version);
  const unread = alerts.data?.unread ?? 0;
  return (
    <button
      type="button"
      className={`link alerts-badge${unread > 0 ? ' alerts-unread' : ''}`}
      data-testid="alerts-badge"
      aria-label={t('alerts.badge', { count: unread })}
      title={t('alerts.badge', { count: unread })}
      onClick={onOpen}
    >
      <svg
        className="icon"
        viewBox="0 0 24 24"
        width="16"
        height="16"
        aria-hidden="true"
        focusable="false"
      >
        {/* A bell, drawn here: an emoji needs a font that not every workstation has. */}
        <path
          fill="currentColor"
          d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1z"
        />
      </svg>{' '}
      {unread > 0 ? unread : ''}
    </button>
  );
}

function Alerts({ version, onChange }: { version: number; onChange: () => void }) {
  const { t, dateTime } = useI18n();
  const alerts = useData(loadAlerts, version);
  const list = alerts.data?.alerts ?? [];
  return (
    <section id="alerts" aria-labelledby="alerts-title">
      <h2 id="alerts-title">
        {t('alerts.title')} {alerts.data?.unread ? `(${alerts.data.unread})` : ''}
      </h2>
      {list.length === 0 ? (
        <p className="muted">{t('alerts.none')}</p>
      ) : (
        <>
          <button
            type="button"
            onClick={() =>
              api('/api/v1/alerts/read', { method: 'POST', body: { all: true } }).then(onChange)
            }
            disabled={!alerts.data?.unread}
          >
            {t('alerts.markAllRead')}
          </button>
          <ul className="alerts">
            {list.map((alert) => (
              <li key={alert.id} className={alert.readAt ? 'muted' : 'unread'}>
                <strong>{alert.title}</strong>{' '}
                <span className="small muted">
                  {dateTime(alert.raisedAt)} · {alert.subscriptionName}
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

interface SubscriptionView {
  id: string;
  name: string;
  rule: { kind: string };
  webhook: { url: string; disabledWhy: string | null } | null;
}

/** Ready-made rules: what a duty officer subscribes to most; the API takes any rule. */
const presets = {
  status: { kind: 'status', to: ['at_risk', 'breached', 'disputed'] },
  deadline: { kind: 'deadline', withinHours: 6 },
  incident: { kind: 'incident' },
  notice: { kind: 'notice' },
  divergence: { kind: 'divergence', percent: 20 },
  digest: { kind: 'digest', at: '07:00' },
} as const;

function Subscriptions({ version, onChange }: { version: number; onChange: () => void }) {
  const { t, timeZone } = useI18n();
  const list = useData(
    () => api<{ subscriptions: SubscriptionView[] }>('/api/v1/alerts/subscriptions'),
    version,
  );
  const [preset, setPreset] = useState<keyof typeof presets>('status');
  const [webhookUrl, setWebhookUrl] = useState('');
  const [message, setMessage] = useState<string>();
  const add = () => {
    setMessage(undefined);
    const rule = preset === 'digest' ? { ...presets.digest, timeZone } : presets[preset];
    api<{ webhookSecret: string | null }>('/api/v1/alerts/subscriptions', {
      method: 'POST',
      body: {
        name: t(`alerts.preset.${preset}` as MessageKey),
        rule,
        ...(webhookUrl ? { webhookUrl } : {}),
      },
    })
      .then((created) => {
        setMessage(
          created.webhookSecret ? t('alerts.secret', { secret: created.webhookSecret }) : undefined,
        );
        setWebhookUrl('');
        onChange();
      })
      .catch((e: Error) => setMessage(e.message));
  };
  return (
    <section aria-labelledby="subscriptions-title">
      <h2 id="subscriptions-title">{t('alerts.subscriptions')}</h2>
      <ul>
        {(list.data?.subscriptions ?? []).map((s) => (
          <li key={s.id}>
            {s.name}
            {s.webhook ? <span className="small muted"> · {s.webhook.url}</span> : null}
            {s.webhook?.disabledWhy ? (
              <span className="small overdue"> · {s.webhook.disabledWhy}</span>
            ) : null}{' '}
            <button
              type="button"
              className="link"
              onClick={() =>
                api(`/api/v1/alerts/subscriptions/${s.id}`, { method: 'DELETE' }).then(onChange)
              }
            >
              {t('alerts.unsubscribe')}
            </button>
          </li>
        ))}
      </ul>
      <form
        data-testid="subscribe"
        onSubmit={(e) => {
          e.preventDefault();
          add();
        }}
      >
        <select
          name="preset"
          value={preset}
          onChange={(e) => setPreset(e.target.value as keyof typeof presets)}
        >
          {(Object.keys(presets) as (keyof typeof presets)[]).map((p) => (
            <option key={p} value={p}>
              {t(`alerts.preset.${p}` as MessageKey)}
            </option>
          ))}
        </select>{' '}
        <input
          name="webhookUrl"
          type="url"
          placeholder={t('alerts.webhookUrl')}
          value={webhookUrl}
          onChange={(e) => setWebhookUrl(e.target.value)}
        />{' '}
        <button type="submit">{t('alerts.subscribe')}</button>
        {message ? (
          <p role="status" className="small">
            {message}
          </p>
        ) : null}
      </form>
    </section>
  );
}

function Recipients({ notice }: { notice: Notice }) {
  const { t, dateTime } = useI18n();
  return (
    <ul className="recipients small">
      {notice.recipients.map((r) => (
        <li key={r.org}>
          {r.org}: {t(`notices.state.${r.state}` as MessageKey)}
          {r.delivery
            ? ` · ${t('notices.deliveredVia', { channel: r.delivery.channel, by: r.delivery.by, at: dateTime(r.delivery.at) })}`
            : ''}
          {r.overdue ? <strong className="overdue"> · {t('notices.overdue')}</strong> : null}
        </li>
      ))}
    </ul>
  );
}

export function NoticesPage({
  version,
  canWrite,
  onChange,
}: {
  version: number;
  canWrite: boolean;
  onChange: () => void;
}) {
  const { t, dateTime } = useI18n();
  const [box, setBox] = useState<'inbox' | 'outbox' | 'all'>('inbox');
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<string>();
  const notices = useData(
    () => api<{ notices: Notice[] }>(`/api/v1/notices?box=${box}`),
    `${version} ${box}`,
  );
  useEffect(() => {
    if (location.hash === '#alerts') document.getElementById('alerts')?.scrollIntoView();
  }, []);
  const acknowledge = (notice: string) => {
    setBusy(notice);
    setError(undefined);
    api(`/api/v1/notices/${encodeURIComponent(notice)}/acknowledgements`, {
      method: 'POST',
      body: {},
      // A retry after a lost answer must not become a second acknowledgement.
      headers: { 'idempotency-key': `ack-${notice}` },
    })
      .then(onChange)
      .catch((e: Error) => setError(e.message))
      .finally(() => setBusy(undefined));
  };
  const list = notices.data?.notices ?? [];
  return (
    <div className="page notices">
      <h1>{t('notices')}</h1>
      <div role="tablist" aria-label={t('notices')}>
        {(['inbox', 'outbox', 'all'] as const).map((b) => (
          <button
            key={b}
            type="button"
            role="tab"
            aria-selected={box === b}
            onClick={() => setBox(b)}
          >
            {t(`notices.${b}` as MessageKey)}
          </button>
        ))}
      </div>
      {error ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : null}
      {notices.error instanceof ApiError && notices.error.status === 403 ? (
        <p className="muted">{t('notices.forStaff')}</p>
      ) : notices.error ? (
        <p role="alert" className="error">
          {notices.error.message}
        </p>
      ) : list.length === 0 ? (
        <p className="muted">{notices.data ? t('notices.none') : t('loading')}</p>
      ) : (
        <table className="notices-table">
          <thead>
            <tr>
              <th>{t('notices.sent')}</th>
              <th>{t('notices.subject')}</th>
              <th>{t('notices.fromTo')}</th>
              <th>{t('notices.state')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((n) => (
              <tr
                key={n.notice}
                className={n.overdue ? 'overdue' : undefined}
                data-testid={`notice-${n.notice}`}
              >
                <td>{dateTime(n.sentAt)}</td>
                <td>
                  <strong>{n.subject}</strong>
                  <div className="small muted">
                    {t(`notices.kind.${n.kind}` as MessageKey)}
                    {n.forDay !== null ? ` · ${t('notices.forDay', { day: n.forDay })}` : ''}
                    {n.replyBy ? ` · ${t('notices.replyBy', { at: dateTime(n.replyBy) })}` : ''}
                  </div>
                  {n.body ? <p className="small">{n.body}</p> : null}
                </td>
                <td>
                  {n.from} → {n.to.join(', ')}
                </td>
                <td>
                  <Recipients notice={n} />
                  {n.overdue ? (
                    <span className="overdue-marker">
                      ⚠ {t('notices.ackDue', { at: dateTime(n.acknowledgeBy) })}
                    </span>
                  ) : null}
                  {n.escalations
                    .filter((e) => !e.cleared)
                    .map((e) => (
                      <div key={e.to} className="small overdue">
                        {t('notices.escalated', {
                          to: t(`notices.to.${e.to}` as MessageKey),
                          at: dateTime(e.at),
                        })}
                      </div>
                    ))}
                </td>
                <td>
                  {canWrite && n.awaitingMyAcknowledgement ? (
                    <button
                      type="button"
                      disabled={busy === n.notice}
                      onClick={() => acknowledge(n.notice)}
                    >
                      {t('notices.acknowledge')}
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Alerts version={version} onChange={onChange} />
      <Subscriptions version={version} onChange={onChange} />
    </div>
  );
}
