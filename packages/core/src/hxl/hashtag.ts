/**
 * HXL hashtags (https://hxlstandard.org/standard/1-1final/): a tag such as `#loc` and any
 * number of attributes such as `+name`. Case and the spaces around `+` do not matter, nor does
 * the order of attributes; `normal` is the form kept in `payload.hxl` (lower case, no spaces,
 * attributes in the order of the file, so an export writes back what came in).
 */
export interface Hashtag {
  tag: string;
  attributes: ReadonlySet<string>;
  normal: string;
}

const specPattern = /^#\s*([a-z][a-z0-9_]*)((?:\s*\+\s*[a-z][a-z0-9_]*)*)$/i;

/** The hashtag of a cell of the hashtag row, or undefined if the cell is not one. */
export function parseHashtag(cell: string): Hashtag | undefined {
  const match = specPattern.exec(cell.trim());
  if (!match) return undefined;
  const tag = match[1]!.toLowerCase();
  const attributes = (match[2] ?? '')
    .split('+')
    .map((part) => part.trim().toLowerCase())
    .filter((part) => part !== '');
  return {
    tag,
    attributes: new Set(attributes),
    normal: `#${tag}${attributes.map((attribute) => `+${attribute}`).join('')}`,
  };
}

/**
 * Whether a row is the hashtag row: at least one cell, and every non-blank cell a hashtag (HXL:
 * untagged columns are blank in that row and ignored).
 */
export function isHashtagRow(cells: readonly string[]): boolean {
  let tags = 0;
  for (const cell of cells) {
    if (cell.trim() === '') continue;
    if (!parseHashtag(cell)) return false;
    tags++;
  }
  return tags > 0;
}

/** HXL tools look for the hashtag row among the first rows; so do we. */
export const hashtagRowSearchLimit = 25;
