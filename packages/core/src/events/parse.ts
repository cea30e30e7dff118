import { formatPath } from '../agreement/parse.js';
import { type ErrorDetail, TruceError } from '../errors.js';
import { eventSchema, type TruceEvent } from './schema.js';

/** Validates one event (already decoded from JSON). Throws `EVENT_INVALID` with every problem. */
export function parseEvent(
  value: unknown,
  where: { file?: string; line?: number } = {},
): TruceEvent {
  const result = eventSchema.safeParse(value);
  if (result.success) return result.data;
  const details: ErrorDetail[] = result.error.issues.map((issue) => ({
    ...(where.file ? { file: where.file } : {}),
    ...(where.line ? { line: where.line, column: 1 } : {}),
    path: formatPath(
      issue.path.filter((part): part is string | number => typeof part !== 'symbol'),
    ),
    message: issue.message,
  }));
  throw new TruceError('EVENT_INVALID', 'an event does not follow the event schema', details);
}

/**
 * Parses JSON Lines: one event per line, blank lines allowed. Reports every bad line (up to
 * `maxErrors`) with its line number, and rejects duplicate ids, so that nothing is half-loaded.
 */
export function parseEventLines(text: string, file?: string, maxErrors = 50): TruceEvent[] {
  const events: TruceEvent[] = [];
  const details: ErrorDetail[] = [];
  const seen = new Set<string>();
  let code: 'EVENT_INVALID' | 'EVENT_JSON_SYNTAX' | 'EVENT_DUPLICATE_ID' = 'EVENT_INVALID';
  const lines = text.split('\n');
  for (let index = 0; index < lines.length && details.length < maxErrors; index++) {
    const line = lines[index]?.trim() ?? '';
    if (line === '') continue;
    const at = { ...(file ? { file } : {}), line: index + 1 };
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      code = 'EVENT_JSON_SYNTAX';
      details.push({ ...at, column: 1, message: `not JSON: ${(error as Error).message}` });
      continue;
    }
    try {
      const event = parseEvent(value, at);
      if (seen.has(event.id)) {
        code = 'EVENT_DUPLICATE_ID';
        details.push({ ...at, column: 1, path: 'id', message: `duplicate event id "${event.id}"` });
        continue;
      }
      seen.add(event.id);
      events.push(event);
    } catch (error) {
      if (error instanceof TruceError) details.push(...error.details);
      else throw error;
    }
  }
  if (details.length > 0) {
    throw new TruceError(
      code,
      `${file ?? 'the events'} contain invalid lines; nothing was loaded`,
      details,
    );
  }
  return events;
}
