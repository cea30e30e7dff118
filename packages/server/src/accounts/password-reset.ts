import type { Mail } from '../alerts/smtp.js';

/**
 * Choosing a new password after forgetting it (ASVS 6.4 at L3): a link e-mailed to the account's
 * address, with a 256-bit token in its fragment (`#token=…`, never sent to a server in a
 * request line, a log or a Referer), stored as its SHA-256, usable once, for 30 minutes. The
 * request answers the same whether the address is known or not. A reset ends every session of
 * the user and does not log them in; a second factor they have is still asked at the next login.
 */

export const resetLifetimeMinutes = 30;
/** At most this many links to one user an hour: the rest are not sent (and audited). */
export const resetsPerHour = 3;

export function resetLink(origin: string, token: string): string {
  return `${origin}/reset-password#token=${token}`;
}

export function resetMail(to: string, link: string, expiresAt: string): Mail {
  return {
    to,
    subject: 'truce: choose a new password',
    text: [
      `Someone asked to choose a new password for the truce account ${to}.`,
      '',
      `If it was you, open this link before ${expiresAt} (it works once):`,
      link,
      '',
      'Your second factor, if you have one, is still asked at your next login, and every open session ends.',
      'If it was not you, ignore this message: your password stays as it is. Tell a mediator if it happens again.',
    ].join('\n'),
  };
}

export function passwordChangedMail(to: string, at: string, ip: string | undefined): Mail {
  return {
    to,
    subject: 'truce: your password was changed',
    text: [
      `The password of the truce account ${to} was changed at ${at}${ip ? ` from the address ${ip}` : ''}, with a reset link sent to this address.`,
      '',
      'If this was not you, tell a mediator of the cell at once: they can disable the account.',
    ].join('\n'),
  };
}
