import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { encode } from 'uqr';
import { addSecurityKey, api, removeSecurityKey, type SecurityKey, securityKeys } from '../api.ts';
import { ErrorNote, useAttempt } from '../components/form-fields.tsx';
import { deviceKey, forgetDeviceKey } from '../device.ts';
import { useI18n } from '../i18n.tsx';

/** What the page shows: loading, the factor off or on, enrolment under way, its recovery codes. */
type State =
  | { kind: 'loading' }
  | { kind: 'off'; required: boolean }
  | { kind: 'enrolling'; secret: string; uri: string }
  | { kind: 'enrolled'; recoveryCodes: string[] }
  | { kind: 'on' };

/** The key in groups of four, as authenticator apps print it: easier to type without a slip. */
function grouped(secret: string): string {
  return secret.replace(/(.{4})/g, '$1 ').trim();
}

/**
 * A QR code of `text` (the otpauth:// link of the key), drawn as one SVG path from uqr's modules:
 * no markup from a string, so nothing for the page's CSP or Trusted Types to refuse.
 */
function QrCode({ text, label }: { text: string; label: string }) {
  const { size, path } = useMemo(() => {
    const { data } = encode(text, { ecc: 'M', border: 4 });
    let d = '';
    data.forEach((row, y) => {
      row.forEach((dark, x) => {
        if (dark) d += `M${x} ${y}h1v1h-1z`;
      });
    });
    return { size: data.length, path: d };
  }, [text]);
  return (
    <svg
      role="img"
      aria-label={label}
      data-testid="mfa-qr"
      viewBox={`0 0 ${size} ${size}`}
      width={200}
      height={200}
      shapeRendering="crispEdges"
    >
      <rect width={size} height={size} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}

/**
 * The signed-in user's own security (docs/API.md, "Accounts"): the second factor (TOTP) —
 * set up with a key shown once and confirmed with a code, after which every login asks for a code
 * and the user's other sessions end; ten recovery codes shown once; removed with the password and
 * a code.
 */
export function AccountPage({ onEnrolled }: { onEnrolled?: () => void }) {
  const { t } = useI18n();
  const [state, setState] = useState<State>({ kind: 'loading' });
  const { busy, error, setError, attempt } = useAttempt();

  useEffect(() => {
    let live = true;
    api<{ secondFactor?: boolean; authenticatorApp?: boolean; secondFactorRequired?: boolean }>(
      '/api/v1/auth/me',
    ).then(
      (me) =>
        live &&
        setState(
          me.authenticatorApp
            ? { kind: 'on' }
            : {
                kind: 'off',
                // A security key satisfies the cell's rule as well as the app.
                required: me.secondFactorRequired === true && me.secondFactor !== true,
              },
        ),
      (e: unknown) => live && setError((e as Error).message),
    );
    return () => {
      live = false;
    };
  }, [setError]);

  const begin = () =>
    attempt(async () => {
      const begun = await api<{ secret: string; uri: string }>('/api/v1/auth/mfa', {
        method: 'POST',
        body: {},
      });
      setState({ kind: 'enrolling', ...begun });
    });

  const confirm = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const code = String(new FormData(event.currentTarget).get('code') ?? '');
    void attempt(async () => {
      const { recoveryCodes } = await api<{ recoveryCodes: string[] }>('/api/v1/auth/mfa/confirm', {
        method: 'POST',
        body: { code },
      });
      setState({ kind: 'enrolled', recoveryCodes });
      onEnrolled?.();
    });
  };

  const remove = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    void attempt(async () => {
      await api('/api/v1/auth/mfa/remove', {
        method: 'POST',
        body: {
          password: String(form.get('password') ?? ''),
          code: String(form.get('code') ?? ''),
        },
      });
      setState({ kind: 'off', required: false });
    });
  };

  return (
    <section className="account" data-testid="account">
      <h1>{t('account.title')}</h1>
      <h2>{t('account.secondFactor')}</h2>
      <ErrorNote error={error} />
      {state.kind === 'loading' ? <p className="muted">{t('loading')}</p> : null}
      {state.kind === 'off' ? (
        <>
          <p data-testid="second-factor-state">{t('account.off')}</p>
          {state.required ? (
            <p role="alert" className="error" data-testid="second-factor-required">
              {t('account.required')}
            </p>
          ) : null}
          <button type="button" onClick={begin} disabled={busy}>
            {t('account.setUp')}
          </button>
        </>
      ) : null}
      {state.kind === 'enrolling' ? (
        <form onSubmit={confirm}>
          <p>{t('account.addKey')}</p>
          <p>
            <QrCode text={state.uri} label={t('account.qr')} />
          </p>
          <p>
            <code data-testid="mfa-secret" dir="ltr">
              {grouped(state.secret)}
            </code>
          </p>
          <p>
            <a href={state.uri}>{t('account.openApp')}</a>
          </p>
          <label>
            {t('account.confirmCode')}
            <input
              name="code"
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="\s*\d{6}\s*"
              required
            />
          </label>
          <button type="submit" disabled={busy}>
            {t('account.confirm')}
          </button>
        </form>
      ) : null}
      {state.kind === 'enrolled' ? (
        <>
          <p data-testid="second-factor-state">{t('account.on')}</p>
          <p role="status">{t('account.recoveryCodes')}</p>
          <ol className="recovery-codes" data-testid="recovery-codes" dir="ltr">
            {state.recoveryCodes.map((code) => (
              <li key={code}>
                <code>{code}</code>
              </li>
            ))}
          </ol>
        </>
      ) : null}
      {state.kind === 'on' ? (
        <form onSubmit={remove}>
          <p data-testid="second-factor-state">{t('account.on')}</p>
          <p className="muted">{t('account.removeHelp')}</p>
          <label>
            {t('password')}
            <input name="password" type="password" autoComplete="current-password" required />
          </label>
          <label>
            {t('mfaCode')}
            <input name="code" autoComplete="one-time-code" required />
          </label>
          <button type="submit" disabled={busy}>
            {t('account.remove')}
          </button>
        </form>
      ) : null}
      <SecurityKeys
        onAdded={() => {
          setState((now) => (now.kind === 'off' ? { kind: 'off', required: false } : now));
          onEnrolled?.();
        }}
      />
      <Devices />
    </section>
  );
}

interface Device {
  keyId: string;
  userId: string;
  registeredAt: string;
  revokedAt?: string;
}

/**
 * The keys the user's devices sign reports with: listed, this device marked, and revoked at
 * once when a device is lost (no password asked: revoking must be quick, and takes nothing from
 * anyone but the device). A revoked key of this device is forgotten; the next login makes one.
 */
function Devices() {
  const { t, dateTime } = useI18n();
  const [devices, setDevices] = useState<Device[] | undefined>();
  const { busy, error, setError, attempt } = useAttempt();
  const here = deviceKey()?.keyId;

  const reload = () =>
    api<{ devices: Device[] }>('/api/v1/devices').then(
      (answer) => setDevices(answer.devices),
      (e: unknown) => setError((e as Error).message),
    );
  // biome-ignore lint/correctness/useExhaustiveDependencies: loaded once when shown
  useEffect(() => {
    void reload();
  }, []);

  const revoke = (device: Device) => (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const reason = String(new FormData(event.currentTarget).get('reason') ?? '').trim();
    void attempt(async () => {
      await api(`/api/v1/devices/${encodeURIComponent(device.keyId)}/revoke`, {
        method: 'POST',
        body: reason ? { reason } : {},
      });
      if (device.keyId === here) await forgetDeviceKey(device.userId);
      await reload();
    });
  };

  return (
    <div data-testid="devices" aria-busy={devices === undefined}>
      <h2>{t('devices.title')}</h2>
      <p className="muted">{t('devices.help')}</p>
      <ErrorNote error={error} />
      {devices?.length === 0 ? <p>{t('devices.none')}</p> : null}
      {devices && devices.length > 0 ? (
        <ul className="security-keys">
          {devices.map((device) => (
            <li key={device.keyId} data-testid="device" data-key-id={device.keyId}>
              <code>{device.keyId}</code>{' '}
              {device.keyId === here ? (
                <span className="badge" data-testid="this-device">
                  {t('devices.thisDevice')}
                </span>
              ) : null}{' '}
              <span className="muted">
                {t('devices.registered')} {dateTime(device.registeredAt)}
                {device.revokedAt ? ` · ${t('devices.revoked')} ${dateTime(device.revokedAt)}` : ''}
              </span>
              {device.revokedAt ? null : (
                <form onSubmit={revoke(device)}>
                  <label>
                    {t('devices.reason')}
                    <input name="reason" maxLength={200} />
                  </label>
                  <button type="submit" disabled={busy}>
                    {t('devices.revoke')}
                  </button>
                </form>
              )}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/**
 * The user's security keys (WebAuthn): listed, added (the password again, then the browser asks
 * for the key), removed (the password again). A key is a second factor like the app.
 */
function SecurityKeys({ onAdded }: { onAdded: () => void }) {
  const { t, dateTime } = useI18n();
  const [keys, setKeys] = useState<SecurityKey[] | undefined>();
  const { busy, error, setError, attempt } = useAttempt();
  const supported = typeof globalThis.PublicKeyCredential === 'function';

  const reload = () => securityKeys().then(setKeys, (e: unknown) => setError((e as Error).message));
  // biome-ignore lint/correctness/useExhaustiveDependencies: loaded once when shown
  useEffect(() => {
    void reload();
  }, []);

  const add = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    void attempt(async () => {
      await addSecurityKey(String(data.get('password') ?? ''), String(data.get('name') ?? ''));
      form.reset();
      await reload();
      onAdded();
    });
  };

  const remove = (id: string) => (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    void attempt(async () => {
      await removeSecurityKey(id, String(data.get('password') ?? ''));
      await reload();
    });
  };

  return (
    <div data-testid="security-keys" aria-busy={keys === undefined}>
      <h2>{t('securityKey.title')}</h2>
      <p className="muted">{t('securityKey.help')}</p>
      <ErrorNote error={error} />
      {keys?.length === 0 ? <p>{t('securityKey.none')}</p> : null}
      {keys && keys.length > 0 ? (
        <ul className="security-keys">
          {keys.map((key) => (
            <li key={key.id} data-testid="security-key">
              <strong>{key.name}</strong>{' '}
              {key.passkey ? (
                <span className="badge" data-testid="passkey" title={t('securityKey.passkeyHelp')}>
                  {t('securityKey.passkey')}
                </span>
              ) : null}{' '}
              <span className="muted">
                {t('securityKey.added')} {dateTime(key.createdAt)}
                {key.lastUsedAt
                  ? ` · ${t('securityKey.lastUsed')} ${dateTime(key.lastUsedAt)}`
                  : ''}
              </span>
              <form onSubmit={remove(key.id)}>
                <label>
                  {t('password')}
                  <input name="password" type="password" autoComplete="current-password" required />
                </label>
                <button type="submit" disabled={busy}>
                  {t('securityKey.remove')}
                </button>
              </form>
            </li>
          ))}
        </ul>
      ) : null}
      {supported ? (
        <form onSubmit={add} data-testid="add-security-key">
          <label>
            {t('securityKey.name')}
            <input name="name" maxLength={64} placeholder={t('securityKey.namePlaceholder')} />
          </label>
          <label>
            {t('password')}
            <input name="password" type="password" autoComplete="current-password" required />
          </label>
          <button type="submit" disabled={busy}>
            {t('securityKey.add')}
          </button>
        </form>
      ) : (
        <p className="muted">{t('securityKey.unsupported')}</p>
      )}
    </div>
  );
}
