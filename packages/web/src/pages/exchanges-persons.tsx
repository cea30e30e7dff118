import { type FormEvent, type ReactNode, useState } from 'react';
import { ApiError, api, cellNow, type User } from '../api.ts';
import { type MessageKey, useI18n } from '../i18n.tsx';
import { submitReport } from '../outbox.ts';

/**
 * Entering a person of an exchange, and looking one up. The register entry (person_registered:
 * pseudonymous id, category, who holds the person) is a report signed for the user's
 * organisation like any other; the personal data (name, date of birth, identity number) goes to
 * POST /api/v1/persons/{id}/fields, where it is sealed per field and the ledger gets only salted
 * commitments. A lookup asks for a reason first: it is kept in the audit log with the read.
 */

/** As policies/matrix.ts on the server (persons.write): who enters person data. */
export function mayRecordPersons(user: User | null | undefined): boolean {
  return (
    !!user &&
    ['mediator', 'agency', 'party_liaison'].includes(user.role) &&
    user.permissions.includes('report')
  );
}

const personIdPattern = '[A-Z]{1,3}-[0-9A-Z]{1,12}';

/** A person's pseudonymous id (H-0001), upper-cased as it is typed. */
function PersonIdField({ value, onValue }: { value: string; onValue: (id: string) => void }) {
  const { t } = useI18n();
  return (
    <label>
      {t('exchanges.person')}{' '}
      <input
        name="person"
        required
        pattern={personIdPattern}
        placeholder="H-0001"
        value={value}
        onChange={(event) => onValue(event.target.value.trim().toUpperCase())}
      />
    </label>
  );
}
const categories = [
  'civilian_woman',
  'child',
  'female_soldier',
  'man_over_50',
  'sick_or_wounded',
  'life_sentence',
  'other_detainee',
  'remains',
] as const;

type Sealed = { name: string; dateOfBirth: string; identityNumber: string };
const noSealed: Sealed = { name: '', dateOfBirth: '', identityNumber: '' };

export function PersonRecordForm({ onDone }: { onDone: () => void }) {
  const { t } = useI18n();
  const [id, setId] = useState('');
  const [register, setRegister] = useState(true);
  const [category, setCategory] = useState<string>('civilian_woman');
  const [living, setLiving] = useState(true);
  const [heldBy, setHeldBy] = useState('');
  const [releaseTo, setReleaseTo] = useState('');
  const [sealed, setSealed] = useState<Sealed>(noSealed);
  const [messages, setMessages] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const values = Object.fromEntries(
    Object.entries(sealed).filter(([, value]) => value.trim() !== ''),
  );
  const nothing = !register && Object.keys(values).length === 0;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const done: string[] = [];
    try {
      if (register) {
        const result = await submitReport({
          type: 'person_registered',
          occurredAt: cellNow(),
          payload: {
            person: { id, category, living },
            heldBy,
            ...(releaseTo ? { releaseTo } : {}),
          },
        });
        if (result.kind === 'refused') throw new Error(result.message);
        done.push(
          result.kind === 'recorded'
            ? t('persons.registered', { id, seq: result.seq })
            : t('queued'),
        );
      }
      if (Object.keys(values).length > 0) {
        const recorded = await api<{ version: number; seq: number }>(
          `/api/v1/persons/${encodeURIComponent(id)}/fields`,
          { method: 'POST', body: values },
        );
        done.push(
          t('persons.sealed', {
            fields: Object.keys(values)
              .map((f) => t(`personField.${f}` as MessageKey))
              .join(', '),
            version: recorded.version,
            seq: recorded.seq,
          }),
        );
        // Nothing personal stays on the screen once it is stored.
        setSealed(noSealed);
      }
      onDone();
    } catch (caught) {
      setError(caught instanceof ApiError || caught instanceof Error ? caught.message : '');
    } finally {
      setMessages(done);
      setBusy(false);
    }
  };

  const text = (field: keyof Sealed, type = 'text') => (
    <label>
      {t(`personField.${field}` as MessageKey)}{' '}
      <input
        name={field}
        type={type}
        autoComplete="off"
        value={sealed[field]}
        onChange={(event) => setSealed((s) => ({ ...s, [field]: event.target.value }))}
      />
    </label>
  );

  return (
    <section className="card" data-testid="person-record">
      <h2>{t('persons.record')}</h2>
      <form className="person-record" onSubmit={submit}>
        <PersonIdField value={id} onValue={setId} />
        <fieldset>
          <legend>
            <label>
              <input
                type="checkbox"
                name="register"
                checked={register}
                onChange={(event) => setRegister(event.target.checked)}
              />{' '}
              {t('persons.addToRegister')}
            </label>
          </legend>
          {register ? (
            <>
              <label>
                {t('exchanges.category')}{' '}
                <select
                  name="category"
                  value={category}
                  onChange={(event) => setCategory(event.target.value)}
                >
                  {categories.map((c) => (
                    <option key={c} value={c}>
                      {c.replace(/_/g, ' ')}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                <input
                  type="checkbox"
                  name="living"
                  checked={living}
                  onChange={(event) => setLiving(event.target.checked)}
                />{' '}
                {t('persons.living')}
              </label>
              <label>
                {t('persons.heldBy')}{' '}
                <input
                  name="heldBy"
                  required
                  pattern="[a-z0-9][a-z0-9-]*"
                  placeholder="hamas"
                  value={heldBy}
                  onChange={(event) => setHeldBy(event.target.value.trim())}
                />
              </label>
              <label>
                {t('persons.releaseTo')}{' '}
                <input
                  name="releaseTo"
                  pattern="[a-z0-9][a-z0-9-]*"
                  placeholder="israel"
                  value={releaseTo}
                  onChange={(event) => setReleaseTo(event.target.value.trim())}
                />
              </label>
            </>
          ) : null}
        </fieldset>
        <fieldset>
          <legend>{t('exchanges.personData')}</legend>
          {text('name')}
          {text('dateOfBirth', 'date')}
          {text('identityNumber')}
          <p className="small muted">{t('persons.sealedHint')}</p>
        </fieldset>
        <button type="submit" disabled={busy || nothing}>
          {t('submit')}
        </button>
        {messages.map((message) => (
          <p key={message} role="status">
            {message}
          </p>
        ))}
        {error ? (
          <p role="alert" className="error">
            {t('error')}: {error}
          </p>
        ) : null}
      </form>
    </section>
  );
}

interface History {
  person: {
    id: string;
    category: string | null;
    status: string;
    history: { status: string; at: string; eventId: string; by: string; place?: string }[];
  } | null;
  issues: { code: string; message: string; eventId: string }[];
  fieldsOnRecord: { field: string; version: number; org: string }[];
}

/**
 * A person looked up by id, once the user has said why: the history in the register, what it
 * flagged, and which personal-data fields are on record; `children` shows what may be decrypted.
 */
export function PersonLookup({ children }: { children: (person: string) => ReactNode }) {
  const { t, dateTime } = useI18n();
  const [id, setId] = useState('');
  const [reason, setReason] = useState('');
  const [found, setFound] = useState<(History & { id: string }) | null>(null);
  const [error, setError] = useState<string | null>(null);
  const lookUp = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setFound(null);
    try {
      const history = await api<History>(
        `/api/v1/persons/${encodeURIComponent(id)}/history?reason=${encodeURIComponent(reason.trim())}`,
      );
      setFound({ ...history, id });
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : String(caught));
    }
  };
  return (
    <section className="card" data-testid="person-lookup">
      <h2>{t('persons.lookUp')}</h2>
      <form onSubmit={lookUp}>
        <PersonIdField value={id} onValue={setId} />
        <label>
          {t('exchanges.reason')}{' '}
          <input
            name="reason"
            required
            minLength={10}
            value={reason}
            placeholder={t('exchanges.reasonHint')}
            onChange={(event) => setReason(event.target.value)}
          />
        </label>
        <button type="submit" disabled={reason.trim().length < 10 || id === ''}>
          {t('persons.show')}
        </button>
        <p className="small muted">{t('exchanges.personDataAudited')}</p>
      </form>
      {error ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : null}
      {found ? (
        <div className="person-history" data-person={found.id}>
          <h3>{found.id}</h3>
          {found.person ? (
            <ol className="handover">
              {found.person.history.map((h) => (
                <li key={`${h.eventId}-${h.status}`}>
                  {dateTime(h.at)} · {t(`personStatus.${h.status}` as MessageKey)} · {h.by}
                  {h.place ? ` · ${h.place}` : ''} <code>{h.eventId}</code>
                </li>
              ))}
            </ol>
          ) : (
            <p>{t('persons.notInRegister')}</p>
          )}
          {found.issues.length > 0 ? (
            <ul className="issues">
              {found.issues.map((issue) => (
                <li key={`${issue.eventId}-${issue.code}`}>
                  <code>{issue.code}</code>{' '}
                  <span lang="en" dir="ltr">
                    {issue.message}
                  </span>
                </li>
              ))}
            </ul>
          ) : null}
          <p data-testid="fields-on-record">
            {t('persons.onRecord')}:{' '}
            {found.fieldsOnRecord.length === 0
              ? '—'
              : found.fieldsOnRecord
                  .map(
                    (f) => `${t(`personField.${f.field}` as MessageKey)} (v${f.version}, ${f.org})`,
                  )
                  .join(', ')}
          </p>
          {found.fieldsOnRecord.length > 0 ? children(found.id) : null}
        </div>
      ) : null}
    </section>
  );
}
