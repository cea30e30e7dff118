import type {
  InputHTMLAttributes,
  ReactNode,
  SelectHTMLAttributes,
  TextareaHTMLAttributes,
} from 'react';
import { useState } from 'react';

/**
 * The labelled fields the report and dispute forms share: a label around its control, the value
 * handed back as text. Any other attribute (name, required, pattern, min…) goes to the control.
 */

type Controlled<T> = Omit<T, 'value' | 'onChange' | 'children'> & {
  label: ReactNode;
  value: string;
  onValue: (value: string) => void;
};

export function InputField({
  label,
  onValue,
  ...input
}: Controlled<InputHTMLAttributes<HTMLInputElement>>) {
  return (
    <label>
      {label}
      <input {...input} onChange={(e) => onValue(e.target.value)} />
    </label>
  );
}

export function TextAreaField({
  label,
  onValue,
  ...textarea
}: Controlled<TextareaHTMLAttributes<HTMLTextAreaElement>>) {
  return (
    <label>
      {label}
      <textarea {...textarea} onChange={(e) => onValue(e.target.value)} />
    </label>
  );
}

export interface Choice {
  value: string;
  label: ReactNode;
}

/** A single choice; `blank` adds "—" for none. */
export function SelectField({
  label,
  onValue,
  choices,
  blank = false,
  ...select
}: Controlled<SelectHTMLAttributes<HTMLSelectElement>> & {
  choices: readonly Choice[];
  blank?: boolean;
}) {
  return (
    <label>
      {label}
      <select {...select} onChange={(e) => onValue(e.target.value)}>
        {blank ? <option value="">—</option> : null}
        {choices.map((choice) => (
          <option key={choice.value} value={choice.value}>
            {choice.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** What became of the last submission, announced to screen readers. */
export function FormStatus({ message }: { message: string | undefined }) {
  return message ? <p role="status">{message}</p> : null;
}

/** A refusal or failure to show, announced at once to screen readers; nothing without one. */
export function ErrorNote({ error }: { error: string | undefined }) {
  return error ? (
    <p role="alert" className="error">
      {error}
    </p>
  ) : null;
}

/**
 * Runs a request with its form locked (`busy`); a failure is kept as `error` (the server's
 * message), cleared when the next attempt starts.
 */
export function useAttempt() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const attempt = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, attempt };
}

/** Event ids typed as a list ("e-1, e-2" or one a line). */
export function idsOf(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((id) => id.trim())
    .filter(Boolean);
}
