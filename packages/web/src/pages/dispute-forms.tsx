import type { Agreement } from '@truce/core';
import { type FormEvent, useState } from 'react';
import {
  FormStatus,
  InputField,
  idsOf,
  SelectField,
  TextAreaField,
} from '../components/form-fields.tsx';
import { uploadEvidence } from '../evidence.ts';
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
  const fail = (error: unknown) =>
    setMessage(`${t('error')}: ${error instanceof Error ? error.message : String(error)}`);
  return { message, show, fail, progress: setMessage };
}

/**
 * A side's claim with what it relies on — events by id and files for the evidence store — the
 * same fields wherever a claim is made. The files are uploaded (and so pinned by their SHA-256)
 * before the claim that cites them is signed: they need the network even when the claim could
 * wait in the outbox.
 */
function useClaimDraft() {
  const { t } = useI18n();
  const [claim, setClaim] = useState('');
  const [evidence, setEvidence] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  // A file input cannot be emptied by its value: a new one replaces it.
  const [filesInput, setFilesInput] = useState(0);
  const fields = (
    <>
      <TextAreaField
        label={t('dispute.yourClaim')}
        name="claim"
        required
        minLength={10}
        value={claim}
        onValue={setClaim}
      />
      <InputField
        label={t('dispute.evidenceIds')}
        name="evidence"
        value={evidence}
        onValue={setEvidence}
      />
      <label>
        {t('wf.evidence')}
        <input
          key={filesInput}
          name="files"
          type="file"
          multiple
          onChange={(e) => setFiles([...(e.target.files ?? [])])}
        />
      </label>
    </>
  );
  /** Uploads the files, then gives the claim as the event carries it. */
  const cite = async (onUploading: (name: string) => void) => {
    const uploaded = await uploadEvidence(files, onUploading);
    return {
      claim,
      evidence: idsOf(evidence),
      ...(uploaded.length > 0 ? { files: uploaded } : {}),
    };
  };
  const reset = () => {
    setClaim('');
    setEvidence('');
    setFiles([]);
    setFilesInput((n) => n + 1);
  };
  return { fields, cite, reset };
}

type Claimed = Awaited<ReturnType<ReturnType<typeof useClaimDraft>['cite']>>;

/**
 * A form that makes a claim: its fields, and a submit that uploads the claim's files, records the
 * event `report` makes of the claim, says what became of it, empties the claim once it is
 * recorded or kept on the device, and calls `onDone` once it is recorded.
 */
function useClaimForm(onDone: () => void) {
  const { t } = useI18n();
  const draft = useClaimDraft();
  const { message, show, fail, progress } = useOutcome();
  const submitWith =
    (report: (claimed: Claimed) => Parameters<typeof submitReport>[0]) =>
    async (event: FormEvent) => {
      event.preventDefault();
      let claimed: Claimed;
      try {
        claimed = await draft.cite((name) => progress(t('wf.uploading', { name })));
      } catch (error) {
        fail(error);
        return;
      }
      const result = await submitReport(report(claimed));
      show(result);
      if (result.kind !== 'refused') draft.reset();
      if (result.kind === 'recorded') onDone();
    };
  return { fields: draft.fields, message, submitWith };
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
  const { fields, message, submitWith } = useClaimForm(onDone);
  const submit = submitWith((claimed) => ({
    type: 'dispute_claim_added',
    occurredAt: now,
    payload: { dispute, ...claimed },
  }));
  return (
    <form className="claim-form small" onSubmit={submit} data-dispute={dispute}>
      {fields}
      <button type="submit">{t('submit')}</button>
      <FormStatus message={message} />
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
  const { fields, message, submitWith } = useClaimForm(onDone);
  const submit = submitWith((claimed) => ({
    type: 'dispute_opened',
    occurredAt: now,
    payload: {
      dispute: `d-${now.slice(0, 10)}-${crypto.randomUUID().slice(0, 6)}`,
      obligations,
      subject,
      contests: ref ? { kind, ref } : { kind },
      claims: [
        // The opener's own claim; the other side adds its own (AddClaim).
        { by: org, ...claimed },
      ],
    },
  }));
  return (
    <details className="card">
      <summary>
        <strong>{t('dispute.open')}</strong>
      </summary>
      <form className="dispute-form small" onSubmit={submit}>
        <InputField
          label={t('dispute.subject')}
          name="subject"
          required
          minLength={5}
          value={subject}
          onValue={setSubject}
        />
        <SelectField
          label={t('dispute.contests')}
          name="contests"
          value={kind}
          onValue={setKind}
          choices={(['finding', 'status', 'count', 'list'] as const).map((k) => ({
            value: k,
            label: t(`dispute.contests.${k}`),
          }))}
        />
        <InputField label={t('dispute.ref')} name="ref" value={ref} onValue={setRef} />
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
        {fields}
        <button type="submit">{t('submit')}</button>
        <FormStatus message={message} />
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
export const blankMeasure = (obligation: string, contestedCount?: string): MeasureDraft => ({
  // A dispute over a count is most often decided by correcting it.
  kind: contestedCount ? 'correctCount' : 'delay',
  obligation,
  event: contestedCount ?? '',
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
  contestedCount,
  now,
  onDone,
}: {
  dispute: string;
  obligations: string[];
  /** When the dispute contests a count: that count's event, offered for a corrected count. */
  contestedCount?: string;
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
    <InputField
      label={label}
      type="number"
      required
      value={measures[index]?.[field] ?? ''}
      onValue={(value) => update(index, { [field]: value })}
    />
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
        <TextAreaField
          label={t('dispute.decision')}
          name="decision"
          required
          minLength={10}
          value={decision}
          onValue={setDecision}
        />
        {measures.map((m, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their place
          <fieldset key={i} className="measure">
            <SelectField
              label={t('dispute.measure')}
              value={m.kind}
              onValue={(kind) => update(i, { kind: kind as MeasureKind })}
              choices={measureKinds.map((k) => ({ value: k, label: t(`dispute.measure.${k}`) }))}
            />
            <SelectField
              label={t('dispute.obligations')}
              value={m.obligation}
              onValue={(obligation) => update(i, { obligation })}
              choices={obligations.map((o) => ({ value: o, label: o }))}
            />
            {m.kind === 'delay' ? number(i, 'days', t('dispute.days')) : null}
            {m.kind === 'addItem' ? (
              <>
                {number(i, 'day', t('dispute.day'))}
                {number(i, 'count', t('dispute.count'))}
              </>
            ) : null}
            {m.kind === 'correctCount' ? (
              <>
                <InputField
                  label={t('dispute.countEvent')}
                  name="event"
                  required
                  pattern="[A-Za-z0-9][A-Za-z0-9._:\-]*"
                  value={m.event}
                  onValue={(event) => update(i, { event })}
                />
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
          onClick={() =>
            setMeasures([...measures, blankMeasure(obligations[0] ?? '', contestedCount)])
          }
        >
          {t('dispute.addMeasure')}
        </button>
        <button type="submit">{t('submit')}</button>
        <FormStatus message={message} />
      </form>
    </details>
  );
}
