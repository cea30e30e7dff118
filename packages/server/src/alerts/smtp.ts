import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

/** One e-mail; plain text, UTF-8. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/** How alerts leave by e-mail; tests and the SMTP client below implement it. */
export interface Mailer {
  send(mail: Mail): Promise<void>;
}

/**
 * A small SMTP client (RFC 5321) on node:net and node:tls: enough for a relay the operator
 * runs. Configured by `TRUCE_SMTP_URL` (`smtp://host:25`, `smtps://user:pass@host:465`) and
 * `TRUCE_SMTP_FROM`. Implicit TLS with smtps; plain smtp is for a relay on the same host or
 * network (no STARTTLS here: say so in docs/SECURITY.md).
 */
export class SmtpMailer implements Mailer {
  readonly #url: URL;
  readonly #from: string;
  readonly #timeoutMs: number;

  constructor(url: string, from: string, timeoutMs = 15_000) {
    this.#url = new URL(url);
    if (!['smtp:', 'smtps:'].includes(this.#url.protocol)) {
      throw new Error(`TRUCE_SMTP_URL must be smtp:// or smtps://, not ${this.#url.protocol}`);
    }
    this.#from = from;
    this.#timeoutMs = timeoutMs;
  }

  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): SmtpMailer | undefined {
    const url = env.TRUCE_SMTP_URL;
    if (!url) return undefined;
    return new SmtpMailer(url, env.TRUCE_SMTP_FROM ?? 'truce@localhost');
  }

  async send(mail: Mail): Promise<void> {
    const secure = this.#url.protocol === 'smtps:';
    const port = Number(this.#url.port || (secure ? 465 : 25));
    const host = this.#url.hostname;
    const socket: Socket = secure
      ? connectTls({ host, port, servername: host })
      : connectTcp({ host, port });
    socket.setTimeout(this.#timeoutMs, () => socket.destroy(new Error('SMTP server timed out')));
    const replies = replyReader(socket);
    const expect = async (codes: number[], what: string) => {
      const reply = await replies.next();
      if (!codes.includes(reply.code)) {
        throw new Error(`SMTP ${what}: ${reply.code} ${reply.text}`);
      }
    };
    const command = async (line: string, codes: number[], what = line.split(' ')[0] ?? line) => {
      socket.write(`${line}\r\n`);
      await expect(codes, what);
    };
    try {
      await expect([220], 'greeting');
      await command('EHLO truce', [250]);
      if (this.#url.username) {
        const user = decodeURIComponent(this.#url.username);
        const password = decodeURIComponent(this.#url.password);
        const token = Buffer.from(`\u0000${user}\u0000${password}`).toString('base64');
        await command(`AUTH PLAIN ${token}`, [235], 'AUTH');
      }
      await command(`MAIL FROM:<${address(this.#from)}>`, [250]);
      await command(`RCPT TO:<${address(mail.to)}>`, [250, 251]);
      await command('DATA', [354]);
      socket.write(`${message(this.#from, mail)}\r\n.\r\n`);
      await expect([250], 'message');
      await command('QUIT', [221]);
    } finally {
      socket.end();
    }
  }
}

/** Refuses anything that could break out of the address in a command. */
function address(text: string): string {
  if (!/^[^\s<>\r\n@]+@[^\s<>\r\n@]+$/.test(text))
    throw new Error(`not an e-mail address: ${text}`);
  return text;
}

function encodeHeader(text: string): string {
  // RFC 2047 for anything beyond printable ASCII (Arabic and Hebrew titles).
  return /^[\x20-\x7e]*$/.test(text)
    ? text
    : `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
}

function message(from: string, mail: Mail): string {
  const body = mail.text
    .replace(/\r?\n/g, '\r\n')
    // Dot-stuffing (RFC 5321 4.5.2): a line that starts with a dot gets another.
    .replace(/^\./gm, '..');
  return [
    `From: ${from}`,
    `To: ${mail.to}`,
    `Subject: ${encodeHeader(mail.subject.replace(/[\r\n]+/g, ' '))}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    `Date: ${new Date().toUTCString()}`,
    '',
    body,
  ].join('\r\n');
}

/** SMTP replies, multi-line ones ("250-…" … "250 …") joined. */
function replyReader(socket: Socket): { next(): Promise<{ code: number; text: string }> } {
  let buffer = '';
  const waiting: ((reply: { code: number; text: string } | Error) => void)[] = [];
  const ready: ({ code: number; text: string } | Error)[] = [];
  let lines: string[] = [];
  const push = (reply: { code: number; text: string } | Error) => {
    const waiter = waiting.shift();
    if (waiter) waiter(reply);
    else ready.push(reply);
  };
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    let at = buffer.indexOf('\r\n');
    while (at >= 0) {
      const line = buffer.slice(0, at);
      buffer = buffer.slice(at + 2);
      lines.push(line.slice(4));
      if (line[3] !== '-') {
        push({ code: Number(line.slice(0, 3)), text: lines.join(' ') });
        lines = [];
      }
      at = buffer.indexOf('\r\n');
    }
  });
  socket.on('error', (error) => push(error));
  socket.on('close', () => push(new Error('SMTP connection closed')));
  return {
    next: () =>
      new Promise((resolve, reject) => {
        const settle = (reply: { code: number; text: string } | Error) =>
          reply instanceof Error ? reject(reply) : resolve(reply);
        const first = ready.shift();
        if (first) settle(first);
        else waiting.push(settle);
      }),
  };
}
