import { z } from 'zod';

export const loginSchema = {
  tags: ['auth'],
  summary: 'Log in with e-mail and password; sets the session cookie',
  description:
    'Sets `truce_session` (httpOnly, SameSite=Strict) and `truce_csrf` cookies. Send `csrfToken` back as the `X-CSRF-Token` header on every POST, PATCH and DELETE made with the session. Five failures in a row lock the account for 15 minutes. The answer has `sinceLastLogin`: the failed attempts on the account since its last login and whether they locked it, for the user to be told (the audit log has each attempt).',
  body: z.object({
    email: z.string().min(3).max(254),
    password: z.string().min(1).max(1024),
    code: z
      .string()
      .max(64)
      .optional()
      .describe(
        'with a second factor: the 6-digit code of the authenticator app, or a recovery code. Without it such a login answers 401 MFA_REQUIRED.',
      ),
  }),
};

export const logoutSchema = { tags: ['auth'], summary: 'End the session' };
export const meSchema = {
  tags: ['auth'],
  summary: 'The signed-in user',
  description:
    "`user` (null when anonymous), `via` (`session` or `token`), a token's `scopes`; `secondFactor`: whether the user's second factor is on; `secondFactorRequired`: whether this cell requires one of the user's role (`TRUCE_MFA_REQUIRED_ROLES`) — until it is on, such a session reaches only the `auth` routes (403 `MFA_ENROLMENT_REQUIRED` elsewhere).",
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
