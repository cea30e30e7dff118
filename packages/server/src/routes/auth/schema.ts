import { z } from 'zod';

export const loginSchema = {
  tags: ['auth'],
  summary: 'Log in with e-mail and password; sets the session cookie',
  description:
    'Sets `truce_session` (httpOnly, SameSite=Strict) and `truce_csrf` cookies. Send `csrfToken` back as the `X-CSRF-Token` header on every POST, PATCH and DELETE made with the session. Five failures in a row lock the account for 15 minutes.',
  body: z.object({
    email: z.string().min(3).max(254),
    password: z.string().min(1).max(1024),
  }),
};

export const logoutSchema = { tags: ['auth'], summary: 'End the session' };
export const meSchema = { tags: ['auth'], summary: 'The signed-in user' };

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
