import { readFileSync } from 'node:fs';
import { TruceError } from '@truce/core';
import { type Role, roles } from '../accounts/model.js';
import { SmtpMailer } from '../alerts/smtp.js';
import { shippingTargetName } from '../audit/audit-shipping.js';
import { startServer } from '../http/start.js';
import { allowedList, commonOptions, parseCommandArgs, requirePositionals } from './arguments.js';
import type { CliIo } from './io.js';
import { dataHelp, dataOption } from './ledger-options.js';

export const serveHelp = `Usage: truce serve [--data DIR] [--port N] [--host H] [--agreement FILE]…

Starts the HTTP API (docs/API.md; the OpenAPI document is at /docs/openapi.json). Starts the
log in the data folder if there is none yet. Stops cleanly on SIGTERM or Ctrl-C: open
streams end, a last checkpoint is signed, the database is closed.

Options:
  --port N         the port (default $PORT or 8080)
  --host H         the address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
  --agreement FILE upload this agreement version at start if it is not stored yet
  --origin NAME    the log's name when the log is created (default truce.local/log)
  --operator ID    the operator's organisation when the log is created (default operator)
${dataHelp}
  -h, --help       show this help

Environment:
  PORT, DATABASE_URL        as above
  TRUCE_CORS_ORIGINS        comma-separated origins allowed to call the API from a browser
                            (default: none, CORS off)
  TRUCE_TRUST_PROXY=1       behind a load balancer: client address from X-Forwarded-For
  TRUCE_SESSION_IDLE_MINUTES  end sessions unused this long (default 60; 0: never)
  TRUCE_LOGIN_PER_MINUTE    login attempts a minute per client address (default 10)
  TRUCE_MFA_REQUIRED_ROLES  roles whose users must set up a second factor before anything else
                            (comma-separated, e.g. mediator; default: none, each user opts in)
  TRUCE_PUBLIC_ORIGIN       the origin people open the dashboard at (https://cell.example.org):
                            security keys are made for its host name (default: the origin
                            each request came to, for development on localhost)
  TRUCE_SMTP_URL, TRUCE_SMTP_FROM
                            e-mail for alerts and lockout notices (smtp://relay:25,
                            smtps://user:password@host:465; default: no e-mail)
  TRUCE_AUDIT_SHIP_URL      a collector (Vector, Fluent Bit, Logstash…) the audit log is
                            shipped to as JSON Lines over HTTP POST, every line in chain order;
                            its bearer token from TRUCE_AUDIT_SHIP_TOKEN_FILE or _TOKEN
  TRUCE_BREACHED_PASSWORDS  a local breached-password corpus (Have I Been Pwned's SHA-1 file,
                            ordered by hash): new passwords found in it are refused, offline
  TRUCE_REAUTH_MINUTES      how recently a session must have given its password (and second
                            factor) for account, token and agreement administration, device
                            keys and decrypting a person's data (minutes, default 15)
  TRUCE_AUDIT_ANCHOR_MINUTES  minutes between anchors of the audit log's head in the ledger
                            (default 10; 0: only at shutdown)
  TRUCE_LOG_LEVEL           pino level (default info)
  TRUCE_WEBHOOK_ALLOW       internal webhook targets allowed (hosts, addresses, CIDR ranges,
                            comma-separated); by default webhooks reach public https only

Create the first mediator before the first start: \`truce users create --help\`.
`;

const options = {
  ...commonOptions,
  ...dataOption,
  port: { type: 'string' },
  host: { type: 'string', default: '127.0.0.1' },
  agreement: { type: 'string', multiple: true },
  origin: { type: 'string' },
  operator: { type: 'string' },
} as const;

export function parsePort(text: string): number {
  const port = /^[0-9]{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 0 && port <= 65_535)) {
    throw new TruceError('USAGE', `the port is a number from 0 to 65535, not "${text}"`);
  }
  return port;
}

/** Runs until SIGTERM or SIGINT, or until `stop` (tests) aborts. */
export async function serve(argv: string[], io: CliIo, stop?: AbortSignal): Promise<number> {
  const { values, positionals } = parseCommandArgs('serve', argv, options);
  if (values.help) {
    io.stdout.write(serveHelp);
    return 0;
  }
  requirePositionals('serve', positionals, []);
  const port = parsePort(values.port ?? io.env.PORT ?? '8080');
  const corsOrigins = (io.env.TRUCE_CORS_ORIGINS ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  const server = await startServer({
    dataDir: values.data,
    ...(io.env.DATABASE_URL ? { databaseUrl: io.env.DATABASE_URL } : {}),
    host: values.host,
    port,
    ...(values.origin ? { origin: values.origin } : {}),
    ...(values.operator ? { operator: values.operator } : {}),
    agreementFiles: values.agreement ?? [],
    config: {
      corsOrigins,
      trustProxy: io.env.TRUCE_TRUST_PROXY === '1',
      ...configFromEnv(io.env),
    },
    logger: { level: io.env.TRUCE_LOG_LEVEL ?? 'info' },
    mailer: SmtpMailer.fromEnvironment(io.env),
  });
  if (server.createdLogKey) {
    io.stderr.write(
      `started a new log in ${values.data}; its verifier key (give it to every party to pin):\n${server.createdLogKey}\n`,
    );
  }
  io.stderr.write(
    `truce is listening on ${server.url} (API description: ${server.url}/docs/openapi.json)\n`,
  );
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    process.once('SIGTERM', done);
    process.once('SIGINT', done);
    stop?.addEventListener('abort', done, { once: true });
  });
  io.stderr.write('truce: shutting down\n');
  await server.close();
  return 0;
}

/**
 * The server settings read from the environment: `TRUCE_SESSION_IDLE_MINUTES` (0: none) and
 * `TRUCE_LOGIN_PER_MINUTE` (login attempts a minute per client address). Unset: the defaults.
 */
export function configFromEnv(env: Record<string, string | undefined>): {
  sessionIdleMinutes?: number;
  loginPerMinute?: number;
  mfaRequiredRoles?: Role[];
  publicOrigin?: string;
  auditAnchorMinutes?: number;
  reauthenticateMinutes?: number;
  breachedPasswordsFile?: string;
  auditShipping?: { url: string; token?: string };
} {
  const perMinute = env.TRUCE_LOGIN_PER_MINUTE;
  let loginPerMinute: number | undefined;
  if (perMinute !== undefined && perMinute.trim() !== '') {
    loginPerMinute = Number(perMinute);
    if (!Number.isSafeInteger(loginPerMinute) || loginPerMinute < 1) {
      throw new TruceError(
        'USAGE',
        `TRUCE_LOGIN_PER_MINUTE must be a whole number of login attempts a minute, not "${perMinute}"`,
      );
    }
  }
  return {
    ...idleMinutesOf(env.TRUCE_SESSION_IDLE_MINUTES),
    ...(loginPerMinute !== undefined ? { loginPerMinute } : {}),
    ...mfaRolesOf(env.TRUCE_MFA_REQUIRED_ROLES),
    ...publicOriginOf(env.TRUCE_PUBLIC_ORIGIN),
    ...anchorMinutesOf(env.TRUCE_AUDIT_ANCHOR_MINUTES),
    ...reauthenticateMinutesOf(env.TRUCE_REAUTH_MINUTES),
    ...(env.TRUCE_BREACHED_PASSWORDS?.trim()
      ? { breachedPasswordsFile: env.TRUCE_BREACHED_PASSWORDS.trim() }
      : {}),
    ...auditShippingOf(env),
  };
}

/**
 * `TRUCE_AUDIT_SHIP_URL` (an http(s) collector) and its bearer token from
 * `TRUCE_AUDIT_SHIP_TOKEN_FILE` (a file, preferred) or `TRUCE_AUDIT_SHIP_TOKEN`.
 */
function auditShippingOf(env: Record<string, string | undefined>): {
  auditShipping?: { url: string; token?: string };
} {
  const url = env.TRUCE_AUDIT_SHIP_URL?.trim();
  if (!url) return {};
  shippingTargetName(url);
  const file = env.TRUCE_AUDIT_SHIP_TOKEN_FILE?.trim();
  let token = env.TRUCE_AUDIT_SHIP_TOKEN?.trim();
  if (file) {
    try {
      token = readFileSync(file, 'utf8').trim();
    } catch {
      throw new TruceError(
        'USAGE',
        `TRUCE_AUDIT_SHIP_TOKEN_FILE names ${file}, which cannot be read`,
      );
    }
  }
  return { auditShipping: { url, ...(token ? { token } : {}) } };
}

/** `TRUCE_REAUTH_MINUTES`: how recent a proof the fresh actions need (whole minutes, 1–480). */
function reauthenticateMinutesOf(value: string | undefined): { reauthenticateMinutes?: number } {
  if (value === undefined || value.trim() === '') return {};
  const minutes = Number(value);
  if (!Number.isSafeInteger(minutes) || minutes < 1 || minutes > 480) {
    throw new TruceError(
      'USAGE',
      `TRUCE_REAUTH_MINUTES must be a whole number of minutes from 1 to 480 (a shift), not "${value}"`,
    );
  }
  return { reauthenticateMinutes: minutes };
}

/** `TRUCE_AUDIT_ANCHOR_MINUTES`: whole minutes between audit anchors (0: only at shutdown). */
function anchorMinutesOf(value: string | undefined): { auditAnchorMinutes?: number } {
  if (value === undefined || value.trim() === '') return {};
  const minutes = Number(value);
  if (!Number.isSafeInteger(minutes) || minutes < 0) {
    throw new TruceError(
      'USAGE',
      `TRUCE_AUDIT_ANCHOR_MINUTES must be a whole number of minutes (0: only at shutdown), not "${value}"`,
    );
  }
  return { auditAnchorMinutes: minutes };
}

/** `TRUCE_PUBLIC_ORIGIN`: an http(s) origin (scheme, host, optional port, nothing after). */
export function publicOriginOf(value: string | undefined): { publicOrigin?: string } {
  if (value === undefined || value.trim() === '') return {};
  let url: URL | undefined;
  try {
    url = new URL(value.trim());
  } catch {
    url = undefined;
  }
  if (
    !url ||
    !['http:', 'https:'].includes(url.protocol) ||
    (url.pathname !== '/' && url.pathname !== '') ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== ''
  ) {
    throw new TruceError(
      'USAGE',
      `TRUCE_PUBLIC_ORIGIN must be the origin people open the dashboard at, such as https://cell.example.org, not "${value}"`,
    );
  }
  return { publicOrigin: url.origin };
}

/** `TRUCE_MFA_REQUIRED_ROLES`: comma-separated roles; unset or empty: none. */
function mfaRolesOf(value: string | undefined): { mfaRequiredRoles?: Role[] } {
  if (value === undefined || value.trim() === '') return {};
  const mfaRequiredRoles = allowedList<Role>(
    value,
    roles,
    (unknown) =>
      `TRUCE_MFA_REQUIRED_ROLES names no role ${unknown}; the roles are ${roles.join(', ')}`,
  );
  return { mfaRequiredRoles };
}

/** `TRUCE_SESSION_IDLE_MINUTES`: a whole number of minutes, 0 for none; unset: the default. */
function idleMinutesOf(value: string | undefined): { sessionIdleMinutes?: number } {
  if (value === undefined || value.trim() === '') return {};
  const minutes = Number(value);
  if (!Number.isSafeInteger(minutes) || minutes < 0) {
    throw new TruceError(
      'USAGE',
      `TRUCE_SESSION_IDLE_MINUTES must be a whole number of minutes (0: sessions never idle out), not "${value}"`,
    );
  }
  return { sessionIdleMinutes: minutes };
}
