import { type ErrorCode, type ErrorDetail, isTruceError } from '@truce/core';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

/**
 * The codes the HTTP layer produces itself, for requests that never reach a command. Like every
 * stable code they are in the core's `errorCodes`; this list only says which ones come from here.
 */
export const httpErrorCodes = [
  'VALIDATION_FAILED',
  'RATE_LIMITED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'METHOD_NOT_ALLOWED',
] as const satisfies readonly ErrorCode[];
export type HttpErrorCode = (typeof httpErrorCodes)[number];
/** Every code a client can see: the core's one list. */
export type ApiErrorCode = ErrorCode;

/** Every code to its HTTP status, once. A new core code fails to compile until it is mapped. */
export const httpStatusOf = {
  AGREEMENT_INVALID: 422,
  AGREEMENT_YAML_SYNTAX: 422,
  AGREEMENT_REFERENCE_UNKNOWN: 422,
  EVENT_INVALID: 422,
  EVENT_JSON_SYNTAX: 400,
  EVENT_DUPLICATE_ID: 409,
  AS_OF_INVALID: 400,
  LEDGER_ENTRY_INVALID: 422,
  LEDGER_SIGNATURE_INVALID: 422,
  LEDGER_PROOF_INVALID: 422,
  LEDGER_CHECKPOINT_INVALID: 422,
  LEDGER_KEY_INVALID: 422,
  LEDGER_CANONICAL_JSON: 422,
  LEDGER_RANGE_INVALID: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  FORBIDDEN: 403,
  UNAUTHENTICATED: 401,
  MFA_REQUIRED: 401,
  MFA_ENROLMENT_REQUIRED: 403,
  REAUTHENTICATION_REQUIRED: 403,
  PERSON_DATA_ERASED: 410,
  USAGE: 400,
  INTERNAL: 500,
  VALIDATION_FAILED: 400,
  RATE_LIMITED: 429,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  METHOD_NOT_ALLOWED: 405,
  INCIDENT_STEP_INVALID: 409,
  EVIDENCE_HASH_MISMATCH: 422,
  EVIDENCE_NOT_FOUND: 422,
  ZONES_INVALID: 422,
  HXL_INVALID: 422,
  STORAGE_FULL: 507,
  STORAGE_UNAVAILABLE: 503,
} as const satisfies Record<ErrorCode, number>;

export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; details: readonly ErrorDetail[] };
}

export function errorBody(
  code: ApiErrorCode,
  message: string,
  details: readonly ErrorDetail[] = [],
): ApiErrorBody {
  return { error: { code, message, details } };
}

/** Fastify's own 4xx errors, by status, to our codes. */
const transportCodeOf: Record<number, ApiErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'VALIDATION_FAILED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/** Turns anything thrown into the status and body a client gets. Never a stack trace. */
export function toApiError(error: unknown): { status: number; body: ApiErrorBody } {
  if (isTruceError(error)) {
    const status = httpStatusOf[error.code];
    // An INTERNAL message may name tables or files: the log has it, the client does not.
    if (error.code === 'INTERNAL') return { status, body: internal() };
    // A full disk says so and what to do; its details (the database's message) stay in the log.
    if (error.code === 'STORAGE_FULL' || error.code === 'STORAGE_UNAVAILABLE')
      return { status, body: errorBody(error.code, error.message) };
    return { status, body: errorBody(error.code, error.message, error.details) };
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const details = error.validation.map((issue) => ({
      path: `${error.validationContext ?? 'request'}${issue.instancePath.replaceAll('/', '.')}`,
      message: issue.message ?? 'invalid',
    }));
    return {
      status: 400,
      body: errorBody(
        'VALIDATION_FAILED',
        'the request does not follow the API description (/docs/openapi.json); see details',
        details,
      ),
    };
  }
  const fastifyError = error as Partial<FastifyError> & { code?: string };
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code =
      typeof fastifyError.code === 'string' && fastifyError.code === 'RATE_LIMITED'
        ? 'RATE_LIMITED'
        : (transportCodeOf[status] ?? 'VALIDATION_FAILED');
    return {
      status: httpStatusOf[code],
      body: errorBody(code, safeMessage(fastifyError.message, status)),
    };
  }
  return { status: 500, body: internal() };
}

function internal(): ApiErrorBody {
  return errorBody(
    'INTERNAL',
    'something went wrong on the server; it is logged. Try again, and report it if it persists',
  );
}

/** Fastify's messages for client errors are safe and useful ("Body cannot be empty…"). */
function safeMessage(message: string | undefined, status: number): string {
  if (!message) return `request refused (${status})`;
  return message.length > 300 ? `${message.slice(0, 300)}…` : message;
}

export function sendError(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const { status, body } = toApiError(error);
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ code: body.error.code }, 'request refused');
  return reply.status(status).type('application/json; charset=utf-8').send(body);
}
