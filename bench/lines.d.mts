/** Types of the plain-JavaScript line reader (bench/lines.mjs). */
export function forEachLine(path: string, onLine: (line: string) => void): void;
