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
