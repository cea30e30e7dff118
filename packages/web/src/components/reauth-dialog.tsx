import { type FormEvent, useEffect, useRef, useState } from 'react';
import {
  ApiError,
  onReauthenticationRequired,
  reauthenticate,
  reauthenticateWithSecurityKey,
} from '../api.ts';
import { useI18n } from '../i18n.tsx';

/**
 * Some actions need the user to have given their password recently (account and token
 * administration, agreement uploads, device keys, a person's data): the server answers
 * REAUTHENTICATION_REQUIRED, and this dialog asks for the password — and for the second factor
 * when the account has one — after which the refused request is sent again. Requests refused
 * while it is open wait for the same answer; closing it lets them fail as they were answered.
 */
export function ReauthDialog({ email }: { email: string }) {
  const { t } = useI18n();
  const dialog = useRef<HTMLDialogElement>(null);
  const pending = useRef<{ answer: Promise<boolean>; settle: (proved: boolean) => void }>(
    undefined,
  );
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState('');
  // Shown once the server says the account has a second factor (MFA_REQUIRED).
  const [needsCode, setNeedsCode] = useState(false);
  const [code, setCode] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(
    () =>
      onReauthenticationRequired(() => {
        if (!pending.current) {
          let settle: (proved: boolean) => void = () => {};
          const answer = new Promise<boolean>((resolve) => {
            settle = resolve;
          });
          pending.current = { answer, settle };
          setOpen(true);
        }
        return pending.current.answer;
      }),
    [],
  );

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) element.showModal();
    if (!open && element.open) element.close();
  }, [open]);

  const finish = (proved: boolean) => {
    pending.current?.settle(proved);
    pending.current = undefined;
    setOpen(false);
    setPassword('');
    setCode('');
    setNeedsCode(false);
    setError(undefined);
  };

  const attempt = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
      finish(true);
    } catch (reason) {
      if (reason instanceof ApiError && reason.code === 'MFA_REQUIRED') setNeedsCode(true);
      else setError(reason instanceof Error ? reason.message : String(reason));
    } finally {
      setBusy(false);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void attempt(() => reauthenticate(password, needsCode ? { code } : {}));
  };

  return (
    <dialog
      ref={dialog}
      className="reauth card"
      aria-labelledby="reauth-title"
      onCancel={(event) => {
        event.preventDefault();
        finish(false);
      }}
    >
      <form onSubmit={submit}>
        <h2 id="reauth-title">{t('reauth.title')}</h2>
        <p className="muted">{t('reauth.why')}</p>
        <label>
          {t('password')}
          <input
            name="reauth-password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </label>
        {needsCode ? (
          <>
            <label>
              {t('mfaCode')}
              <input
                name="reauth-code"
                autoComplete="one-time-code"
                required
                value={code}
                onChange={(event) => setCode(event.target.value)}
              />
            </label>
            <button
              type="button"
              disabled={busy}
              onClick={() => void attempt(() => reauthenticateWithSecurityKey(email, password))}
            >
              {t('securityKey.use')}
            </button>
          </>
        ) : null}
        <p className="actions">
          <button type="submit" disabled={busy}>
            {t('reauth.confirm')}
          </button>{' '}
          <button type="button" onClick={() => finish(false)}>
            {t('reauth.cancel')}
          </button>
        </p>
        {error ? (
          <p role="alert" className="error">
            {error}
          </p>
        ) : null}
      </form>
    </dialog>
  );
}
