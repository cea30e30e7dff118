import { type Document, isMap, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import type { z } from 'zod';
import { type ErrorDetail, TruceError } from '../errors.js';
import { checkReferences } from './references.js';
import { type Agreement, agreementSchema } from './schema.js';

export type DocumentPath = readonly (string | number)[];

/** `obligations[3].target.value`: how a path reads in messages. */
export function formatPath(path: DocumentPath): string {
  let text = '';
  for (const part of path) {
    text += typeof part === 'number' ? `[${part}]` : text === '' ? part : `.${part}`;
  }
  return text;
}

interface Located {
  /** `at: 'key'` points at the key of the last part (an unknown field) rather than its value. */
  locate(path: DocumentPath, at?: 'value' | 'key'): { line: number; column: number };
}

function locator(doc: Document, lines: LineCounter): Located {
  return {
    locate(path, at = 'value') {
      // Walk down as far as the path exists: a missing key is reported at its parent.
      let node: unknown = doc.contents;
      let offset = 0;
      let keyOffset: number | undefined;
      for (const part of path) {
        keyOffset = undefined;
        const range = (node as { range?: [number, number, number] } | null)?.range;
        if (range) offset = range[0];
        if (isMap(node)) {
          // zod's paths hold keys as strings; YAML may have parsed a key such as `1:` as a number.
          const pair = node.items.find(
            (item) => String((item.key as { value?: unknown } | null)?.value) === String(part),
          );
          if (!pair) break;
          const keyRange = (pair.key as { range?: [number, number, number] } | null)?.range;
          if (keyRange) offset = keyRange[0];
          keyOffset = keyRange?.[0];
          node = pair.value;
          const valueRange = (node as { range?: [number, number, number] } | null)?.range;
          if (valueRange && typeof part === 'string' && path.indexOf(part) === path.length - 1) {
            offset = valueRange[0];
          }
        } else if (isSeq(node) && typeof part === 'number') {
          node = node.items[part];
          if (node === undefined) break;
        } else {
          break;
        }
      }
      const final = (node as { range?: [number, number, number] } | null)?.range;
      if (final) offset = final[0];
      if (at === 'key' && keyOffset !== undefined) offset = keyOffset;
      const position = lines.linePos(offset);
      return { line: position.line, column: position.col };
    },
  };
}

/** Messages for union failures are unhelpful as zod gives them; pick the closest branch. */
function flattenIssues(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const out: z.core.$ZodIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // The branch that got furthest (fewest issues, deepest path) explains the mistake best.
      const ranked = issue.errors
        .map((branch) => flattenIssues(branch))
        .sort((a, b) => {
          const depth = (list: z.core.$ZodIssue[]) =>
            Math.max(0, ...list.map((entry) => entry.path.length));
          return depth(b) - depth(a) || a.length - b.length;
        });
      const best = ranked[0];
      if (best && best.length > 0) {
        out.push(...best.map((entry) => ({ ...entry, path: [...issue.path, ...entry.path] })));
        continue;
      }
    }
    out.push(issue);
  }
  return out;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  if (issue.code === 'invalid_value') {
    return `expected one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
  }
  return issue.message;
}

/**
 * Parses and validates an agreement from YAML. Every problem is reported at once, each with
 * file, line, column and the path in the document, so that a drafter can fix a file in one pass.
 */
export function parseAgreement(text: string, file?: string): Agreement {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const withFile = (detail: ErrorDetail): ErrorDetail => (file ? { file, ...detail } : detail);
  if (doc.errors.length > 0) {
    throw new TruceError(
      'AGREEMENT_YAML_SYNTAX',
      `${file ?? 'the agreement'} is not valid YAML; fix the first error and run \`truce lint\` again`,
      doc.errors.map((error) => {
        const position = lines.linePos(error.pos[0]);
        return withFile({ line: position.line, column: position.col, message: error.message });
      }),
    );
  }
  const where = locator(doc, lines);
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // yaml throws here, rather than listing in `doc.errors`, for an alias whose anchor is
    // missing and for an alias bomb: point at the unresolved alias, else at the first one.
    let offset = 0;
    let unresolved: number | undefined;
    visit(doc, {
      Alias(_key, node) {
        if (offset === 0 && node.range) offset = node.range[0];
        if (!node.resolve(doc) && node.range) {
          unresolved = node.range[0];
          return visit.BREAK;
        }
      },
    });
    const position = lines.linePos(unresolved ?? offset);
    throw new TruceError(
      'AGREEMENT_YAML_SYNTAX',
      `${file ?? 'the agreement'} is not valid YAML; fix the first error and run \`truce lint\` again`,
      [withFile({ line: position.line, column: position.col, message: (error as Error).message })],
    );
  }
  const result = agreementSchema.safeParse(raw);
  if (!result.success) {
    const details = flattenIssues(result.error.issues).flatMap((issue) => {
      const path = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
      if (issue.code === 'unrecognized_keys') {
        // One detail per unknown key, at the key: in a block map it may be many lines below
        // the map's first line, where zod's path alone would point.
        return issue.keys.map((key) =>
          withFile({
            ...where.locate([...path, key], 'key'),
            path: formatPath(path),
            message: describeIssue({ ...issue, keys: [key] }),
          }),
        );
      }
      return [
        withFile({
          ...where.locate(path),
          path: formatPath(path),
          message: describeIssue(issue),
        }),
      ];
    });
    throw new TruceError(
      'AGREEMENT_INVALID',
      `${file ?? 'the agreement'} does not follow the agreement format (docs/AGREEMENT-FORMAT.md)`,
      details,
    );
  }
  const problems = checkReferences(result.data);
  if (problems.length > 0) {
    throw new TruceError(
      'AGREEMENT_REFERENCE_UNKNOWN',
      `${file ?? 'the agreement'} refers to ids it does not define`,
      problems.map((problem) =>
        withFile({
          ...where.locate(problem.path),
          path: formatPath(problem.path),
          message: problem.message,
        }),
      ),
    );
  }
  return result.data;
}
