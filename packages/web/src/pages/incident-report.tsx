import type { Agreement } from '@truce/core';
import { type FormEvent, useState } from 'react';
import { ApiError, api } from '../api.ts';
import { FormStatus, InputField, SelectField, TextAreaField } from '../components/form-fields.tsx';
import { uploadEvidence } from '../evidence.ts';
import { type MessageKey, useI18n } from '../i18n.tsx';
import { incidentCategories } from '../map/layers.ts';

/**
 * `2025-01-30T14:00` read as a wall-clock time in `timeZone`, as an instant with its offset: the
 * offset is the zone's at that moment (found by asking Intl, so summer time is right).
 */
export function zonedInstant(local: string, timeZone: string): string {
  const naive = Date.parse(`${local}:00Z`);
  const offsetAt = (ms: number) => {
    const name =
      new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
        .formatToParts(new Date(ms))
        .find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
    const match = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name);
    if (!match) return 0;
    return (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3] ?? 0));
  };
  // The offset at the guess, then again at the corrected instant (a change of offset between).
  let offset = offsetAt(naive);
  offset = offsetAt(naive - offset * 60_000);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${local}:00${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** An allegation with its evidence files (uploaded first, then cited by SHA-256: evidence.ts). */
export function ReportIncident({
  agreement,
  now,
  onDone,
}: {
  agreement: Agreement | undefined;
  now: string;
  onDone: () => void;
}) {
  const { t, timeZone } = useI18n();
  const [incident, setIncident] = useState(
    () => `inc-${now.slice(0, 10)}-${crypto.randomUUID().slice(0, 6)}`,
  );
  const [category, setCategory] = useState<string>('other');
  const [occurred, setOccurred] = useState('');
  const [place, setPlace] = useState('');
  const [lat, setLat] = useState('');
  const [lon, setLon] = useState('');
  const [against, setAgainst] = useState('');
  const [obligation, setObligation] = useState('');
  const [clause, setClause] = useState('');
  const [description, setDescription] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const [message, setMessage] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      const evidence = await uploadEvidence(files, (name) =>
        setMessage(t('wf.uploading', { name })),
      );
      const payload: Record<string, unknown> = { incident, category, description };
      if (place) payload.place = place;
      if (lat && lon) {
        payload.lat = Number(lat);
        payload.lon = Number(lon);
      }
      if (against) payload.against = against;
      if (obligation) payload.obligation = obligation;
      if (clause) payload.clause = clause;
      if (evidence.length) payload.evidence = evidence;
      const result = await api<{ receipt: { seq: number } }>('/api/v1/incidents', {
        method: 'POST',
        // The incident id makes a retry of the same report the same event.
        headers: { 'idempotency-key': `report-${incident}` },
        body: { occurredAt: occurred ? zonedInstant(occurred, timeZone) : now, payload },
      });
      setMessage(t('submitted', { seq: result.receipt.seq }));
      setIncident(`inc-${now.slice(0, 10)}-${crypto.randomUUID().slice(0, 6)}`);
      setDescription('');
      setFiles([]);
      onDone();
    } catch (error) {
      setMessage(
        `${t('error')}: ${error instanceof ApiError || error instanceof Error ? error.message : String(error)}`,
      );
    } finally {
      setBusy(false);
    }
  };
  const parties = (agreement?.parties ?? []).filter((p) => p.roles.includes('party'));
  return (
    <details className="card">
      <summary>
        <strong>{t('wf.reportIncident')}</strong>
      </summary>
      <form className="report-incident small" onSubmit={submit}>
        <InputField
          label={t('wf.incidentId')}
          name="incident"
          required
          pattern="[A-Za-z0-9][A-Za-z0-9._:\-]*"
          value={incident}
          onValue={setIncident}
        />
        <SelectField
          label={t('wf.category')}
          name="category"
          value={category}
          onValue={setCategory}
          choices={incidentCategories.map((c) => ({
            value: c,
            label: t(`wf.category.${c}` as MessageKey),
          }))}
        />
        <InputField
          label={`${t('wf.occurred')} (${timeZone})`}
          name="occurredAt"
          type="datetime-local"
          value={occurred}
          onValue={setOccurred}
        />
        <SelectField
          label={t('wf.place')}
          name="place"
          value={place}
          onValue={setPlace}
          blank
          choices={(agreement?.places ?? []).map((p) => ({ value: p.id, label: p.name }))}
        />
        <InputField
          label={t('wf.latitude')}
          name="lat"
          type="number"
          step="any"
          min={-90}
          max={90}
          value={lat}
          onValue={setLat}
        />
        <InputField
          label={t('wf.longitude')}
          name="lon"
          type="number"
          step="any"
          min={-180}
          max={180}
          value={lon}
          onValue={setLon}
        />
        <SelectField
          label={t('wf.against')}
          name="against"
          value={against}
          onValue={setAgainst}
          blank
          choices={parties.map((p) => ({ value: p.id, label: p.name }))}
        />
        <SelectField
          label={t('wf.obligation')}
          name="obligation"
          value={obligation}
          onValue={(id) => {
            setObligation(id);
            const chosen = agreement?.obligations.find((o) => o.id === id);
            if (chosen && !clause) setClause(chosen.clause.trim());
          }}
          blank
          choices={(agreement?.obligations ?? []).map((o) => ({ value: o.id, label: o.title }))}
        />
        <TextAreaField label={t('wf.clause')} name="clause" value={clause} onValue={setClause} />
        <TextAreaField
          label={t('wf.description')}
          name="description"
          required
          minLength={3}
          value={description}
          onValue={setDescription}
        />
        <label>
          {t('wf.evidence')}
          <input
            name="evidence"
            type="file"
            multiple
            onChange={(e) => setFiles([...(e.target.files ?? [])])}
          />
        </label>
        <button type="submit" disabled={busy}>
          {t('submit')}
        </button>
        <FormStatus message={message} />
      </form>
    </details>
  );
}
