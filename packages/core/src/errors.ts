/**
 * The one error type of truce. Codes are stable: clients, tests and the HTTP layer match on
 * them, never on messages. Every message should tell the user what to do next.
 */
export const errorCodes = [
  'AGREEMENT_INVALID',
  'AGREEMENT_YAML_SYNTAX',
  'AGREEMENT_REFERENCE_UNKNOWN',
  'EVENT_INVALID',
  'EVENT_JSON_SYNTAX',
  'EVENT_DUPLICATE_ID',
  'AS_OF_INVALID',
  'LEDGER_ENTRY_INVALID',
  'LEDGER_SIGNATURE_INVALID',
  'LEDGER_PROOF_INVALID',
  'LEDGER_CHECKPOINT_INVALID',
  'LEDGER_KEY_INVALID',
  'LEDGER_CANONICAL_JSON',
  'NOT_FOUND',
  'CONFLICT',
  'FORBIDDEN',
  'UNAUTHENTICATED',
  'MFA_REQUIRED',
  // A session of a role that must have a second factor, before it set one up (HTTP 403).
  'MFA_ENROLMENT_REQUIRED',
  // An action marked fresh, by a session whose user has not proved who they are recently: the
  // password (and second factor) again at POST /api/v1/auth/reauthenticate, then retry (403).
  'REAUTHENTICATION_REQUIRED',
  // Person data whose key-encryption key was destroyed (truce persons erase): gone for good (410).
  'PERSON_DATA_ERASED',
  'USAGE',
  'INTERNAL',
  'LEDGER_RANGE_INVALID',
  // Refusals of a request before it reaches a command (the HTTP layer produces these).
  'VALIDATION_FAILED',
  'RATE_LIMITED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'METHOD_NOT_ALLOWED',
  // The incident workflow, its evidence and the zones of an agreement (issue 8).
  'INCIDENT_STEP_INVALID',
  'EVIDENCE_HASH_MISMATCH',
  'EVIDENCE_NOT_FOUND',
  'ZONES_INVALID',
  // HXL imports (issue 6): a file that cannot be imported whole, every bad cell listed.
  'HXL_INVALID',
  // The server's disk is full: nothing of the request was stored (HTTP 507).
  'STORAGE_FULL',
  // The database cannot be reached now (down, restarting, recovering, the connection dropped):
  // nothing of the request was stored, or it was stored whole; retry with the same keys (503).
  'STORAGE_UNAVAILABLE',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

/** Where in a source document an error was found (1-based line and column). */
export interface SourceLocation {
  file?: string;
  line: number;
  column: number;
  /** Path inside the document, e.g. `obligations[3].target`. */
  path?: string;
}

export interface ErrorDetail extends Partial<SourceLocation> {
  message: string;
}

export class TruceError extends Error {
  override readonly name = 'TruceError';
  readonly code: ErrorCode;
  readonly details: readonly ErrorDetail[];

  constructor(code: ErrorCode, message: string, details: readonly ErrorDetail[] = []) {
    super(message);
    this.code = code;
    this.details = details;
  }

  toJSON(): { code: ErrorCode; message: string; details: readonly ErrorDetail[] } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function isTruceError(value: unknown): value is TruceError {
  return value instanceof TruceError;
}

/** `file:line:column path: message`, the form editors and terminals make clickable. */
export function formatDetail(detail: ErrorDetail): string {
  const where = [detail.file, detail.line, detail.column].filter((part) => part !== undefined);
  const prefix = where.length > 0 ? `${where.join(':')} ` : '';
  const path = detail.path ? `${detail.path}: ` : '';
  return `${prefix}${path}${detail.message}`;
}
