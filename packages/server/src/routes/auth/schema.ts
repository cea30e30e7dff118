import { z } from 'zod';

/** base64url text of at most `max` characters (WebAuthn's binary fields, as JSON). */
const base64url = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[A-Za-z0-9_-]*$/, 'base64url');

/** A browser's answer to `navigator.credentials.get` as JSON (WebAuthn Level 3 `toJSON`). */
const authenticationResponse = z.object({
  id: base64url(1366),
  rawId: base64url(1366),
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: base64url(8192),
    authenticatorData: base64url(8192),
    signature: base64url(2048),
    userHandle: base64url(1024).optional(),
  }),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
});

/** A browser's answer to `navigator.credentials.create` as JSON (WebAuthn Level 3 `toJSON`). */
const registrationResponse = z.object({
  id: base64url(1366),
  rawId: base64url(1366),
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: base64url(8192),
    attestationObject: base64url(65_536),
    authenticatorData: base64url(65_536).optional(),
    transports: z.array(z.string().max(32)).max(10).optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: base64url(4096).optional(),
  }),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
});

/** Options for `navigator.credentials.create` or `.get`, as JSON (the browser library's input). */
const webauthnOptions = z
  .looseObject({ challenge: z.string() })
  .describe('PublicKeyCredentialCreationOptionsJSON or PublicKeyCredentialRequestOptionsJSON');

/** What a login and a re-authentication both take: the password, and the second factor. */
const passwordAndSecondFactor = {
  password: z.string().min(1).max(1024),
  code: z
    .string()
    .max(64)
    .optional()
    .describe(
      'with a second factor: the 6-digit code of the authenticator app, or a recovery code. Without it (or `securityKey`) such a request answers 401 MFA_REQUIRED.',
    ),
  securityKey: authenticationResponse
    .optional()
    .describe(
      "with a security key: the browser's answer (`navigator.credentials.get`, as JSON) to the challenge of POST /api/v1/auth/login/security-key",
    ),
};

export const loginSchema = {
  tags: ['auth'],
  summary: 'Log in with e-mail and password; sets the session cookie',
  description:
    'Sets the `__Host-truce_session` (httpOnly, Secure, SameSite=Strict) and `__Host-truce_csrf` cookies (`truce_session` and `truce_csrf`, not Secure, when the server listens on a loopback address). Send `csrfToken` back as the `X-CSRF-Token` header on every POST, PATCH and DELETE made with the session. Five failures in a row lock the account for 15 minutes. The answer has `sinceLastLogin`: the failed attempts on the account since its last login and whether they locked it, for the user to be told (the audit log has each attempt).',
  body: z.object({ email: z.string().min(3).max(254), ...passwordAndSecondFactor }),
};

export const reauthenticateSchema = {
  tags: ['auth'],
  summary: 'Prove who you are again, for actions that need a recent proof',
  description:
    "Some actions need the session's user to have proved who they are recently (the login, or this, within `TRUCE_REAUTH_MINUTES`, default 15): account, organisation and token administration, agreement and zone uploads, setting up an authenticator app, registering a device key, decrypting a person's data. Without it they answer 403 REAUTHENTICATION_REQUIRED; send the password here (and the second factor, as at login: `code`, or `securityKey` answering the challenge of POST /api/v1/auth/login/security-key), then retry. Failures count toward the lockout as failed logins do. Sessions only, never a token.",
  body: z.object(passwordAndSecondFactor),
  response: {
    200: z.object({
      authenticatedAt: z.iso.datetime().describe('when the session proved its user, now'),
      freshUntil: z.iso
        .datetime()
        .describe('until when the actions that need a recent proof are open to this session'),
    }),
  },
};

export const passkeyOptionsSchema = {
  tags: ['auth'],
  summary: 'Log in with a passkey alone, step 1: a challenge',
  description:
    "Options for `navigator.credentials.get` naming no key (the authenticator offers the passkeys it keeps for this host) and requiring user verification (the key's PIN or biometric), with a challenge valid once for five minutes. Send the answer to POST /api/v1/auth/login/passkey.",
  response: { 200: z.object({ options: webauthnOptions }) },
};

export const passkeyLoginSchema = {
  tags: ['auth'],
  summary: 'Log in with a passkey alone, step 2: its answer; sets the session cookie',
  description:
    "A passkey registered on the account page (a security key that keeps its credential, or this device's) signs in without e-mail or password: the key is the thing you have, its PIN or biometric the second factor. Answers as POST /api/v1/auth/login; 401 UNAUTHENTICATED for any failure (the audit log has why).",
  body: z.object({ response: authenticationResponse }),
};

export const securityKeyLoginSchema = {
  tags: ['auth'],
  summary: 'Log in with a security key, step 1: the password, then a challenge for your keys',
  description:
    "Checks e-mail and password as a login does (same answers, same lockout) and answers the options for `navigator.credentials.get` (WebAuthn) with a challenge valid for five minutes and once. Send the browser's answer as `securityKey` to POST /api/v1/auth/login with the same e-mail and password. 404 when you have no security key for this host.",
  body: z.object({
    email: z.string().min(3).max(254),
    password: z.string().min(1).max(1024),
  }),
  response: { 200: z.object({ options: webauthnOptions }) },
};

const securityKey = z.object({
  id: z.string().describe('the credential id (base64url)'),
  name: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().optional(),
  passkey: z
    .boolean()
    .optional()
    .describe(
      'true: the authenticator keeps the credential (a passkey, which signs in alone with its PIN or biometric); false: a second factor only; absent: the browser did not say',
    ),
});

export const securityKeysSchema = {
  tags: ['auth'],
  summary: 'Your security keys (WebAuthn), oldest first',
  response: { 200: z.object({ securityKeys: z.array(securityKey) }) },
};

export const securityKeyOptionsSchema = {
  tags: ['auth'],
  summary: 'Add a security key, step 1: your password again, then the options for the browser',
  description:
    'The options for `navigator.credentials.create` (WebAuthn, no attestation), with a challenge valid for five minutes and once. The password is asked again so that a session left open does not let someone add their own key.',
  body: z.object({ password: z.string().min(1).max(1024) }),
  response: { 200: z.object({ options: webauthnOptions }) },
};

export const addSecurityKeySchema = {
  tags: ['auth'],
  summary: "Add a security key, step 2: the browser's answer; the key is then a second factor",
  description:
    'Checks the answer against the challenge of step 1 and this host, and stores the key. From then on a login needs the key (or the authenticator app, or a recovery code). Your other sessions end.',
  body: z.object({
    name: z.string().max(64).default('').describe('a name to tell your keys apart'),
    response: registrationResponse,
  }),
  response: { 200: securityKey },
};

export const removeSecurityKeySchema = {
  tags: ['auth'],
  summary: 'Remove one of your security keys (your password again)',
  params: z.object({ id: z.string().min(1).max(1024) }),
  body: z.object({ password: z.string().min(1).max(1024) }),
};

export const logoutSchema = { tags: ['auth'], summary: 'End the session' };
export const meSchema = {
  tags: ['auth'],
  summary: 'The signed-in user',
  description:
    "`user` (null when anonymous), `via` (`session` or `token`), a token's `scopes`; `secondFactor`: whether the user has a second factor (an authenticator app or a security key); `authenticatorApp`: whether the authenticator app (TOTP) is one; `secondFactorRequired`: whether this cell requires one of the user's role (`TRUCE_MFA_REQUIRED_ROLES`) — until it is on, such a session reaches only the `auth` routes (403 `MFA_ENROLMENT_REQUIRED` elsewhere).",
};

const session = z.object({
  id: z.string(),
  current: z.boolean().describe('the session this request was made with'),
  createdAt: z.string(),
  lastSeenAt: z.string().describe('when it was last used (to the minute)'),
  expiresAt: z.string(),
});

export const sessionsSchema = {
  tags: ['auth'],
  summary: 'Your live sessions, most recently used first',
  description:
    "A session ends at its expiry, at logout, when a mediator changes your permissions, or when it has not been used for the server's idle timeout (60 minutes unless configured).",
  response: { 200: z.object({ sessions: z.array(session) }) },
};

export const endSessionsSchema = {
  tags: ['auth'],
  summary: 'Log out everywhere: end all your sessions, or all but this one',
  body: z.object({
    keepCurrent: z
      .boolean()
      .default(false)
      .describe('true: end the others and keep this one ("log out other devices")'),
  }),
  response: { 200: z.object({ ended: z.number().int() }) },
};

export const endSessionSchema = {
  tags: ['auth'],
  summary: 'End one of your sessions',
  params: z.object({ id: z.string().regex(/^[0-9a-f]{16}$/) }),
  response: { 200: z.object({ ended: z.number().int() }) },
};

export const beginMfaSchema = {
  tags: ['auth'],
  summary: 'Start enrolling a second factor (TOTP): a new secret, shown once',
  description:
    'Scan `uri` (otpauth://) with an authenticator app or type `secret`, then confirm with a code. Until confirmed, login does not ask for a code.',
  response: { 200: z.object({ secret: z.string(), uri: z.string() }) },
};

export const confirmMfaSchema = {
  tags: ['auth'],
  summary: 'Confirm the second factor with a code: it is then required at every login',
  description:
    'Your other sessions end. The answer holds ten one-use recovery codes, shown only now: keep them offline.',
  body: z.object({ code: z.string().regex(/^\s*\d{6}\s*$/, 'the 6-digit code of the app') }),
  response: { 200: z.object({ recoveryCodes: z.array(z.string()) }) },
};

export const removeMfaSchema = {
  tags: ['auth'],
  summary: 'Remove your second factor (password and a code or recovery code)',
  body: z.object({ password: z.string().min(1).max(1024), code: z.string().min(1).max(64) }),
};

export const changePasswordSchema = {
  tags: ['auth'],
  summary: 'Change your password (the current one required); your other sessions end',
  body: z.object({
    current: z.string().min(1).max(1024),
    next: z.string().min(1).max(1024).describe('12 to 128 characters'),
  }),
};

export const forgotPasswordSchema = {
  tags: ['auth'],
  summary: 'Forgot your password: a link to choose a new one, by e-mail',
  description:
    "Answers 202 whatever the address: if it is an enabled account's and this cell sends e-mail (`TRUCE_SMTP_URL`), a link valid once for 30 minutes goes to it (at most three an hour). The link opens the dashboard's /reset-password page with the token in its fragment. Without e-mail, a mediator sets a new password.",
  body: z.object({ email: z.string().min(3).max(254) }),
  response: { 202: z.object({ accepted: z.literal(true) }) },
};

export const resetPasswordSchema = {
  tags: ['auth'],
  summary: "Choose a new password with a reset link's token",
  description:
    'The token from the e-mailed link, used once. Every session of the user ends; log in afterwards (with your second factor if you have one). 401 for a token used, expired or unknown; 400 for a password refused (too short or too easy to guess: the token stays usable).',
  body: z.object({
    token: z.string().min(16).max(128),
    password: z.string().min(1).max(1024).describe('12 to 128 characters'),
  }),
};
