/**
 * HTML built from tagged templates: every interpolated value is escaped unless it is markup this
 * module produced (`Markup`). Free text in a report comes from organisations' events (incident
 * descriptions, dispute claims), so escaping cannot be left to each call site.
 */

export class Markup {
  constructor(readonly text: string) {}
  /** Markup turned into a string by a plain template would be escaped twice: fail loudly. */
  toString(): string {
    throw new Error('Markup used as a string: interpolate it with html`…`');
  }
}

const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => entities[c] ?? c);
}

type Value = Markup | string | number | null | undefined | false | readonly Value[];

function render(value: Value): string {
  if (value instanceof Markup) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Markup {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? '');
  });
  return new Markup(out);
}
