import type { Agreement } from '@truce/core';
import { type FormEvent, lazy, Suspense, useCallback, useEffect, useState } from 'react';
import {
  ApiError,
  api,
  login,
  loginWithPasskey,
  loginWithSecurityKey,
  logout,
  me,
  type StatusResponse,
  setCellNow,
  takeSinceLastLogin,
  type User,
} from './api.ts';
import { ErrorNote } from './components/form-fields.tsx';
import { ReauthDialog } from './components/reauth-dialog.tsx';
import { type DeviceKey, ensureDeviceKey } from './device.ts';
import { isRtl, type Language, languages, useI18n } from './i18n.tsx';
import { useData, useLive } from './live.ts';
import { flushOutbox, outboxChanged, pendingReports, refusedReports } from './outbox.ts';
import { AccountPage } from './pages/account.tsx';
import { AidPage } from './pages/aid.tsx';
import { ExchangesPage } from './pages/exchanges.tsx';
import { IncidentsPage } from './pages/incidents.tsx';
import { LedgerPage } from './pages/ledger.tsx';
import { AlertsBadge, NoticesPage } from './pages/notices.tsx';
import { OverviewPage } from './pages/overview.tsx';
import { PublicPage } from './pages/public.tsx';

// MapLibre is large: the map loads only when someone opens it, so the first page stays small.
const MapPage = lazy(() => import('./pages/map.tsx').then((m) => ({ default: m.MapPage })));

const pages = ['/', '/aid', '/exchanges', '/map', '/incidents', '/notices', '/ledger'] as const;
type Page = (typeof pages)[number];
const titles = {
  '/': 'overview',
  '/aid': 'aid',
  '/exchanges': 'exchanges',
  '/map': 'map',
  '/incidents': 'incidents',
  '/notices': 'notices',
  '/ledger': 'ledger',
} as const;

function usePath(): [string, (path: string) => void] {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const onPop = () => setPath(location.pathname);
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  const go = useCallback((next: string) => {
    history.pushState(null, '', next);
    setPath(next);
    scrollTo(0, 0);
  }, []);
  return [path, go];
}

function LanguagePicker() {
  const { language, setLanguage, t } = useI18n();
  const names: Record<Language, string> = { en: 'English', ar: 'العربية', he: 'עברית' };
  return (
    <label className="language">
      <span className="sr-only">{t('language')}</span>
      <select
        name="language"
        value={language}
        onChange={(e) => setLanguage(e.target.value as Language)}
      >
        {languages.map((l) => (
          <option key={l} value={l} lang={l} dir={isRtl(l) ? 'rtl' : 'ltr'}>
            {names[l]}
          </option>
        ))}
      </select>
    </label>
  );
}

function LoginPage({ onLogin }: { onLogin: (user: User) => void }) {
  const { t } = useI18n();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  // Shown once the server says the account has a second factor (MFA_REQUIRED).
  const [needsCode, setNeedsCode] = useState(false);
  const [code, setCode] = useState('');
  const [error, setError] = useState<string>();
  const withKey = async (login: () => Promise<User>) => {
    setError(undefined);
    try {
      onLogin(await login());
    } catch (reason) {
      setError(reason instanceof Error ? reason.message : String(reason));
    }
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      onLogin(await login(email, password, needsCode ? code : undefined));
    } catch (reason) {
      if (reason instanceof ApiError && reason.code === 'MFA_REQUIRED') {
        setNeedsCode(true);
        setError(undefined);
        return;
      }
      setError(reason instanceof Error ? reason.message : String(reason));
    }
  };
  return (
    <main className="login">
      <form className="card" onSubmit={submit}>
        <h1>truce</h1>
        <p className="muted">{useI18n().t('tagline')}</p>
        <label>
          {t('email')}
          <input
            name="email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <label>
          {t('password')}
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {needsCode ? (
          <label>
            {t('mfaCode')}
            <input
              name="code"
              autoComplete="one-time-code"
              inputMode="text"
              required
              value={code}
              onChange={(e) => setCode(e.target.value)}
            />
          </label>
        ) : null}
        {needsCode ? (
          <button
            type="button"
            onClick={() => void withKey(() => loginWithSecurityKey(email, password))}
          >
            {t('securityKey.use')}
          </button>
        ) : (
          <button type="button" onClick={() => void withKey(loginWithPasskey)}>
            {t('passkey.signIn')}
          </button>
        )}
        <button type="submit">{t('login')}</button>
        {error ? (
          <p role="alert" className="error">
            {t('loginFailed')}: {error}
          </p>
        ) : null}
        <p>
          <a href="/public">{t('publicPage')}</a>
        </p>
        <LanguagePicker />
      </form>
      <ForgotPassword email={email} />
    </main>
  );
}

/**
 * "Forgot your password?": asks for a link by e-mail. The answer is the same whether the address
 * is known or not, so the page says what happens in both cases.
 */
function ForgotPassword({ email }: { email: string }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string>();
  if (!open) {
    return (
      <p className="login-help">
        <button type="button" className="link" onClick={() => setOpen(true)}>
          {t('reset.forgot')}
        </button>
      </p>
    );
  }
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const address = String(new FormData(event.currentTarget).get('email') ?? '');
    try {
      await api('/api/v1/auth/password/forgot', { method: 'POST', body: { email: address } });
      setSent(true);
    } catch (reason) {
      setError(reason instanceof Error ? reason.message : String(reason));
    }
  };
  return (
    <form className="card" onSubmit={submit} data-testid="forgot-password">
      <h2>{t('reset.forgot')}</h2>
      {sent ? (
        <p role="status">{t('reset.sent')}</p>
      ) : (
        <>
          <label>
            {t('email')}
            <input
              name="email"
              type="email"
              autoComplete="username"
              required
              defaultValue={email}
            />
          </label>
          <button type="submit">{t('reset.send')}</button>
        </>
      )}
      <ErrorNote error={error} />
    </form>
  );
}

/** The page a reset link opens: the token is in the fragment, which no request carries. */
function ResetPasswordPage() {
  const { t } = useI18n();
  // Read once: the address bar loses it below, and a later render must not read it again.
  const [token] = useState(() => new URLSearchParams(location.hash.slice(1)).get('token') ?? '');
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string>();
  useEffect(() => {
    // The token leaves the address bar (and the history) once read.
    if (location.hash) history.replaceState(null, '', location.pathname);
  }, []);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const password = String(form.get('password') ?? '');
    if (password !== String(form.get('again') ?? '')) {
      setError(t('reset.mismatch'));
      return;
    }
    try {
      await api('/api/v1/auth/password/reset', { method: 'POST', body: { token, password } });
      setDone(true);
      setError(undefined);
    } catch (reason) {
      setError(reason instanceof Error ? reason.message : String(reason));
    }
  };
  return (
    <main className="login">
      <form className="card" onSubmit={submit} data-testid="reset-password">
        <h1>{t('reset.title')}</h1>
        {done ? (
          <p role="status">
            {t('reset.done')} <a href="/">{t('login')}</a>
          </p>
        ) : token === '' ? (
          <p role="alert" className="error">
            {t('reset.noToken')}
          </p>
        ) : (
          <>
            <label>
              {t('reset.new')}
              <input
                name="password"
                type="password"
                autoComplete="new-password"
                minLength={12}
                required
              />
            </label>
            <label>
              {t('reset.again')}
              <input
                name="again"
                type="password"
                autoComplete="new-password"
                minLength={12}
                required
              />
            </label>
            <button type="submit">{t('reset.choose')}</button>
          </>
        )}
        <ErrorNote error={error} />
        <LanguagePicker />
      </form>
    </main>
  );
}

function Dashboard({ user, onLogout }: { user: User; onLogout: () => void }) {
  const { t, setTimeZone } = useI18n();
  const [path, go] = usePath();
  const [version, setVersion] = useState(0);
  const staff = user.role !== 'observer';
  const connection = useLive(staff, () => setVersion((v) => v + 1));
  const status = useData(() => api<StatusResponse>('/api/v1/status'), version);
  const agreementKey = status.data
    ? `${status.data.agreement.id}/${status.data.agreement.version}`
    : undefined;
  const agreement = useData(
    async () =>
      agreementKey
        ? (
            await api<{ agreement: Agreement }>(
              `/api/v1/agreements/${agreementKey.split('/')[0]}/versions/${agreementKey.split('/')[1]}`,
            )
          ).agreement
        : undefined,
    agreementKey,
  );
  const [pending, setPending] = useState(pendingReports());
  const [refused, setRefused] = useState(refusedReports());
  useEffect(() => {
    if (status.data) {
      setTimeZone(status.data.agreement.timeZone);
      setCellNow(status.data.asOf);
    }
  }, [status.data, setTimeZone]);
  // Failed logins on this account since its last one: told once, after the login.
  const [sinceLastLogin, setSinceLastLogin] = useState(takeSinceLastLogin);
  // A reporter's device gets its own signing key, so that what it reports offline is signed
  // when it is made (device.ts).
  const [device, setDevice] = useState<DeviceKey>();
  // Why the server refused this device a key (all of the user's devices in use), to say so.
  const [deviceRefused, setDeviceRefused] = useState<string>();
  useEffect(() => {
    if (user.role !== 'observer' && user.permissions.includes('report')) {
      ensureDeviceKey(user).then(({ key, refused }) => {
        setDevice(key);
        setDeviceRefused(refused);
      });
    }
  }, [user]);
  // Time moves statuses even without new events (a deadline passes): look again every 30 s.
  useEffect(() => {
    const timer = setInterval(() => setVersion((v) => v + 1), 30_000);
    const online = () => {
      flushOutbox().then(() => {
        setPending(pendingReports());
        setRefused(refusedReports());
        setVersion((v) => v + 1);
      });
    };
    const counts = () => {
      setPending(pendingReports());
      setRefused(refusedReports());
    };
    addEventListener('online', online);
    addEventListener(outboxChanged, counts);
    online();
    return () => {
      clearInterval(timer);
      removeEventListener('online', online);
      removeEventListener(outboxChanged, counts);
    };
  }, []);
  useEffect(() => {
    if (status.error instanceof ApiError && status.error.status === 401) onLogout();
    // A role this cell requires a second factor of: the account page, until it is set up.
    if (status.error instanceof ApiError && status.error.code === 'MFA_ENROLMENT_REQUIRED') {
      go('/account');
    }
  }, [status.error, onLogout, go]);

  const page = (pages as readonly string[]).includes(path) ? (path as Page) : '/';
  const data = status.data;
  const crossings = (agreement.data?.places ?? [])
    .filter((place) => place.kind === 'crossing')
    .map((place) => place.id);
  const canReport = staff && user.permissions.includes('report');
  return (
    <div className="shell">
      <header className="topbar">
        <a
          className="brand"
          href="/"
          onClick={(e) => {
            e.preventDefault();
            go('/');
          }}
        >
          truce <span className="muted">{t('tagline')}</span>
        </a>
        <nav aria-label="main">
          {pages.map((p) => (
            <a
              key={p}
              href={p}
              aria-current={path === p ? 'page' : undefined}
              onClick={(e) => {
                e.preventDefault();
                go(p);
              }}
            >
              {t(titles[p])}
            </a>
          ))}
          <a href="/public">{t('publicPage')}</a>
        </nav>
        <div className="session">
          <span className={`connection connection-${connection}`} data-testid="connection">
            {staff ? t(connection) : ''}
          </span>
          {device ? (
            <span className="device small" data-testid="device-key" data-key-id={device.keyId}>
              {t('signedOnDevice')}
            </span>
          ) : null}
          {pending > 0 ? (
            <span className="pending" title={t('queued')}>
              ⇡ {pending}
            </span>
          ) : null}
          {refused.length > 0 ? (
            <span
              className="refused"
              title={refused.map((r) => `${r.report.type} ${r.queuedAt}: ${r.message}`).join('\n')}
            >
              ⚠ {refused.length}
            </span>
          ) : null}
          <AlertsBadge
            version={version}
            onOpen={() => {
              go('/notices');
              history.replaceState(null, '', '/notices#alerts');
              requestAnimationFrame(() => document.getElementById('alerts')?.scrollIntoView());
            }}
          />
          <LanguagePicker />
          <a
            className="muted small"
            href="/account"
            title={t('account.link')}
            aria-current={path === '/account' ? 'page' : undefined}
            onClick={(e) => {
              e.preventDefault();
              go('/account');
            }}
          >
            {user.email} ({user.role}, {user.orgId})
          </a>
          <button type="button" className="link" onClick={onLogout}>
            {t('logout')}
          </button>
        </div>
      </header>
      <ReauthDialog email={user.email} />
      <main>
        {sinceLastLogin ? (
          <p role="alert" className="error" data-testid="since-last-login">
            {t('signin.failedSince', { count: sinceLastLogin.failedAttempts })}{' '}
            {sinceLastLogin.locked ? `${t('signin.wasLocked')} ` : ''}
            {t('signin.notYou')}{' '}
            <button type="button" className="link" onClick={() => setSinceLastLogin(undefined)}>
              {t('dismiss')}
            </button>
          </p>
        ) : null}
        {deviceRefused ? (
          <p role="status" className="warning" data-testid="device-refused">
            {t('device.refused')} {deviceRefused}{' '}
            <a
              href="/account"
              onClick={(e) => {
                e.preventDefault();
                go('/account');
              }}
            >
              {t('device.manage')}
            </a>{' '}
            <button type="button" className="link" onClick={() => setDeviceRefused(undefined)}>
              {t('dismiss')}
            </button>
          </p>
        ) : null}
        {status.error && !data && path !== '/account' ? (
          <p role="alert" className="error">
            {t('error')}: {status.error.message}{' '}
            <button type="button" onClick={status.reload}>
              {t('retry')}
            </button>
          </p>
        ) : null}
        {path === '/account' ? (
          <AccountPage
            onEnrolled={() => {
              status.reload();
              setVersion((v) => v + 1);
            }}
          />
        ) : !data ? (
          <p className="muted">{t('loading')}</p>
        ) : page === '/' ? (
          <OverviewPage status={data} canReadEvents={staff} />
        ) : page === '/aid' ? (
          <AidPage
            status={data}
            canReport={canReport}
            crossings={crossings}
            onChange={() => setVersion((v) => v + 1)}
            canReadEvents={staff}
            version={version}
            mediators={(agreement.data?.parties ?? [])
              .filter((party) => party.roles.includes('mediator'))
              .map((party) => party.id)}
          />
        ) : page === '/exchanges' ? (
          <ExchangesPage status={data} canReadEvents={staff} version={version} />
        ) : page === '/map' ? (
          <Suspense fallback={<p className="muted">{t('loading')}</p>}>
            <MapPage
              status={data}
              agreement={agreement.data}
              canReadEvents={staff}
              version={version}
            />
          </Suspense>
        ) : page === '/incidents' ? (
          <IncidentsPage
            status={data}
            agreement={agreement.data}
            canReport={canReport}
            org={user.orgId}
            canResolve={user.role === 'mediator' && user.permissions.includes('verify')}
            canReadEvents={staff}
            canVerify={staff && user.permissions.includes('verify')}
            version={version}
            onChange={() => setVersion((v) => v + 1)}
          />
        ) : page === '/notices' ? (
          <NoticesPage
            version={version}
            canWrite={canReport}
            onChange={() => setVersion((v) => v + 1)}
          />
        ) : (
          <LedgerPage
            version={version}
            canExport={staff}
            witnesses={(agreement.data?.parties ?? [])
              .filter((party) => party.roles.some((r) => r === 'party' || r === 'guarantor'))
              .map((party) => ({ id: party.id, name: party.name }))}
          />
        )}
      </main>
    </div>
  );
}

export function App() {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const path = location.pathname;
  useEffect(() => {
    if (location.pathname === '/public') return;
    me()
      .then((found) => setUser(found ?? null))
      .catch(() => setUser(null));
  }, []);
  const onLogout = useCallback(() => {
    logout().finally(() => setUser(null));
  }, []);
  if (path === '/public') return <PublicPage />;
  if (path === '/reset-password') return <ResetPasswordPage />;
  if (user === undefined) return null;
  if (user === null) return <LoginPage onLogin={setUser} />;
  return <Dashboard user={user} onLogout={onLogout} />;
}
