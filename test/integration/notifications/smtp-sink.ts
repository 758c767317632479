import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

/** A real SMTP server for tests: records each accepted message; `reply` may refuse a recipient. */
export interface SmtpMessage {
  to: string[];
  raw: string;
}

export interface SmtpSink {
  url: string;
  messages: SmtpMessage[];
  /** Every RCPT TO seen, accepted or not. */
  tries: string[];
  close(): Promise<void>;
}

export async function startSmtpSink(reply: (rcpt: string, nth: number) => number = () => 250): Promise<SmtpSink> {
  const messages: SmtpMessage[] = [];
  const tries: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      tries.push(address.address);
      const code = reply(address.address, tries.filter((t) => t === address.address).length);
      if (code === 250) return callback();
      const err = Object.assign(new Error(code === 451 ? 'Try again later' : 'Mailbox unavailable'), {
        responseCode: code,
      });
      callback(err);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        messages.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString() });
        callback();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    tries,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** The decoded text of a quoted-printable (or 7bit) MIME part of `raw` with this content type. */
export function mimePart(raw: string, type: string): string | undefined {
  const at = raw.search(new RegExp(`Content-Type: ${type}`, 'i'));
  if (at < 0) return undefined;
  const rest = raw.slice(at);
  const start = rest.search(/\r?\n\r?\n/);
  const header = rest.slice(0, start);
  let body = rest.slice(start).replace(/^\r?\n\r?\n/, '');
  body = body.slice(0, body.search(/\r?\n--/) >= 0 ? body.search(/\r?\n--/) : undefined);
  if (/quoted-printable/i.test(header)) {
    const bytes = body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  if (/base64/i.test(header)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return body;
}

/** The bytes of a base64 MIME part (an attachment) of `raw` with this content type. */
export function mimeBytes(raw: string, type: string): Buffer | undefined {
  const at = raw.search(new RegExp(`Content-Type: ${type}`, 'i'));
  if (at < 0) return undefined;
  const rest = raw.slice(at);
  const start = rest.search(/\r?\n\r?\n/);
  const body = rest.slice(start).replace(/^\r?\n\r?\n/, '');
  const end = body.search(/\r?\n--/);
  return Buffer.from((end >= 0 ? body.slice(0, end) : body).replace(/\s+/g, ''), 'base64');
}
