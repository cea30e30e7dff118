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

const measureKinds = ['delay', 'addItem', 'moveItem', 'waive', 'suspend', 'correctCount'] as const;
type MeasureKind = (typeof measureKinds)[number];
interface MeasureDraft {
  kind: MeasureKind;
  obligation: string;
  /** For a corrected count: the count event contested. */
  event: string;
  days: string;
  day: string;
  count: string;
  fromDay: string;
  toDay: string;
}
const blankMeasure = (obligation: string): MeasureDraft => ({
  kind: 'delay',
  obligation,
  event: '',
  days: '1',
  day: '',
  count: '1',
  fromDay: '',
  toDay: '',
});

/** The measure as the event carries it (docs/EVENTS.md, dispute_resolved). */
export function measureOf(m: MeasureDraft): Record<string, unknown> {
  const n = (text: string) => Number.parseInt(text, 10);
  switch (m.kind) {
    case 'delay':
      return { kind: 'delay', obligation: m.obligation, days: n(m.days) };
    case 'addItem':
      return { kind: 'addItem', obligation: m.obligation, day: n(m.day), count: n(m.count) };
    case 'moveItem':
      return {
        kind: 'moveItem',
        obligation: m.obligation,
        fromDay: n(m.fromDay),
        toDay: n(m.toDay),
      };
    case 'waive':
      return { kind: 'waive', obligation: m.obligation };
    case 'suspend':
      return {
        kind: 'suspend',
        obligation: m.obligation,
        fromDay: n(m.fromDay),
        untilDay: n(m.toDay),
      };
    case 'correctCount':
      return {
        kind: 'correctCount',
        obligation: m.obligation,
        event: m.event.trim(),
        count: n(m.count),
      };
  }
}

/** The mediators' decision on a dispute, with the measures that change what is owed. */
export function ResolveDispute({
  dispute,
  obligations,
  now,
  onDone,
}: {
  dispute: string;
  obligations: string[];
  now: string;
  onDone: () => void;
}) {
  const { t } = useI18n();
  const [decision, setDecision] = useState('');
  const [measures, setMeasures] = useState<MeasureDraft[]>([]);
  const { message, show } = useOutcome();
  const update = (index: number, change: Partial<MeasureDraft>) =>
    setMeasures(measures.map((m, i) => (i === index ? { ...m, ...change } : m)));
  const number = (index: number, field: keyof MeasureDraft, label: string) => (
    <label>
      {label}
      <input
        type="number"
        required
        value={measures[index]?.[field] ?? ''}
        onChange={(e) => update(index, { [field]: e.target.value })}
      />
    </label>
  );
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const result = await submitReport({
      type: 'dispute_resolved',
      occurredAt: now,
      payload: { dispute, decision, measures: measures.map(measureOf) },
    });
    show(result);
    if (result.kind === 'recorded') onDone();
  };
  return (
    <details className="small">
      <summary>{t('dispute.resolve')}</summary>
      <form className="resolve-form" onSubmit={submit} data-dispute={dispute}>
        <label>
          {t('dispute.decision')}
          <textarea
            name="decision"
            required
            minLength={10}
            value={decision}
            onChange={(e) => setDecision(e.target.value)}
          />
        </label>
        {measures.map((m, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their place
          <fieldset key={i} className="measure">
            <label>
              {t('dispute.measure')}
              <select
                value={m.kind}
                onChange={(e) => update(i, { kind: e.target.value as MeasureKind })}
              >
                {measureKinds.map((k) => (
                  <option key={k} value={k}>
                    {t(`dispute.measure.${k}`)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('dispute.obligations')}
              <select
                value={m.obligation}
                onChange={(e) => update(i, { obligation: e.target.value })}
              >
                {obligations.map((o) => (
                  <option key={o}>{o}</option>
                ))}
              </select>
            </label>
            {m.kind === 'delay' ? number(i, 'days', t('dispute.days')) : null}
            {m.kind === 'addItem' ? (
              <>
                {number(i, 'day', t('dispute.day'))}
                {number(i, 'count', t('dispute.count'))}
              </>
            ) : null}
            {m.kind === 'correctCount' ? (
              <>
                <label>
                  {t('dispute.countEvent')}
                  <input
                    name="event"
                    required
                    pattern="[A-Za-z0-9][A-Za-z0-9._:\-]*"
                    value={m.event}
                    onChange={(e) => update(i, { event: e.target.value })}
                  />
                </label>
                {number(i, 'count', t('dispute.correctedCount'))}
              </>
            ) : null}
            {m.kind === 'moveItem' || m.kind === 'suspend' ? (
              <>
                {number(i, 'fromDay', t('dispute.fromDay'))}
                {number(i, 'toDay', t('dispute.toDay'))}
              </>
            ) : null}
            <button
              type="button"
              className="link"
              onClick={() => setMeasures(measures.filter((_, j) => j !== i))}
            >
              {t('dispute.removeMeasure')}
            </button>
          </fieldset>
        ))}
        <button
          type="button"
          className="link"
          onClick={() => setMeasures([...measures, blankMeasure(obligations[0] ?? '')])}
        >
          {t('dispute.addMeasure')}
        </button>
        <button type="submit">{t('submit')}</button>
        {message ? <p role="status">{message}</p> : null}
      </form>
    </details>
  );
}
