import type { Agreement } from '@truce/core';
import { type FormEvent, useState } from 'react';
import { useI18n } from '../i18n.tsx';
import { submitReport } from '../outbox.ts';

/** What a submission became: recorded, kept on the device until the network is back, or refused. */
function useOutcome() {
  const { t } = useI18n();
  const [message, setMessage] = useState<string>();
  const show = (result: Awaited<ReturnType<typeof submitReport>>) =>
    setMessage(
      result.kind === 'recorded'
        ? t('submitted', { seq: result.seq })
        : result.kind === 'queued'
          ? t('queued')
          : `${t('error')}: ${result.message}`,
    );
  return { message, show };
}

/**
 * A side's own claim in an open dispute, signed by the user's organisation (on the device when
 * it has a key), so nobody writes a party's claim for it.
 */
export function AddClaim({
  dispute,
  now,
  onDone,
}: {
  dispute: string;
  now: string;
  onDone: () => void;
}) {
  const { t } = useI18n();
  const [claim, setClaim] = useState('');
  const [evidence, setEvidence] = useState('');
  const { message, show } = useOutcome();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const result = await submitReport({
      type: 'dispute_claim_added',
      occurredAt: now,
      payload: {
        dispute,
        claim,
        evidence: evidence
          .split(/[\s,]+/)
          .map((id) => id.trim())
          .filter(Boolean),
      },
    });
    show(result);
    if (result.kind !== 'refused') {
      setClaim('');
      setEvidence('');
    }
    if (result.kind === 'recorded') onDone();
  };
  return (
    <form className="claim-form small" onSubmit={submit} data-dispute={dispute}>
      <label>
        {t('dispute.yourClaim')}
        <textarea
          name="claim"
          required
          minLength={10}
          value={claim}
          onChange={(e) => setClaim(e.target.value)}
        />
      </label>
      <label>
        {t('dispute.evidenceIds')}
        <input name="evidence" value={evidence} onChange={(e) => setEvidence(e.target.value)} />
      </label>
      <button type="submit">{t('submit')}</button>
      {message ? <p role="status">{message}</p> : null}
    </form>
  );
}

/** Contest a finding, a status, a count or a list: the obligations it holds and your claim. */
export function OpenDispute({
  agreement,
  org,
  now,
  onDone,
}: {
  agreement: Agreement | undefined;
  /** The user's organisation: the opener's claim is its own. */
  org: string;
  now: string;
  onDone: () => void;
}) {
  const { t } = useI18n();
  const [subject, setSubject] = useState('');
  const [kind, setKind] = useState('status');
  const [ref, setRef] = useState('');
  const [obligations, setObligations] = useState<string[]>([]);
  const [claim, setClaim] = useState('');
  const [evidence, setEvidence] = useState('');
  const { message, show } = useOutcome();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const result = await submitReport({
      type: 'dispute_opened',
      occurredAt: now,
      payload: {
        dispute: `d-${now.slice(0, 10)}-${crypto.randomUUID().slice(0, 6)}`,
        obligations,
        subject,
        contests: ref ? { kind, ref } : { kind },
        claims: [
          {
            // The opener's own claim; the other side adds its own (AddClaim).
            by: org,
            claim,
            evidence: evidence
              .split(/[\s,]+/)
              .map((id) => id.trim())
              .filter(Boolean),
          },
        ],
      },
    });
    show(result);
    if (result.kind === 'recorded') onDone();
  };
  return (
    <details className="card">
      <summary>
        <strong>{t('dispute.open')}</strong>
      </summary>
      <form className="dispute-form small" onSubmit={submit}>
        <label>
          {t('dispute.subject')}
          <input
            name="subject"
            required
            minLength={5}
            value={subject}
            onChange={(e) => setSubject(e.target.value)}
          />
        </label>
        <label>
          {t('dispute.contests')}
          <select name="contests" value={kind} onChange={(e) => setKind(e.target.value)}>
            {(['finding', 'status', 'count', 'list'] as const).map((k) => (
              <option key={k} value={k}>
                {t(`dispute.contests.${k}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('dispute.ref')}
          <input name="ref" value={ref} onChange={(e) => setRef(e.target.value)} />
        </label>
        <label>
          {t('dispute.obligations')}
          <select
            name="obligations"
            multiple
            required
            value={obligations}
            onChange={(e) => setObligations([...e.target.selectedOptions].map((o) => o.value))}
          >
            {(agreement?.obligations ?? []).map((o) => (
              <option key={o.id} value={o.id}>
                {o.title}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('dispute.yourClaim')}
          <textarea
            name="claim"
            required
            minLength={10}
            value={claim}
            onChange={(e) => setClaim(e.target.value)}
          />
        </label>
        <label>
          {t('dispute.evidenceIds')}
          <input name="evidence" value={evidence} onChange={(e) => setEvidence(e.target.value)} />
        </label>
        <button type="submit">{t('submit')}</button>
        {message ? <p role="status">{message}</p> : null}
      </form>
    </details>
  );
}
