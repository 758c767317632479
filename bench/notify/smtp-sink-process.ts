/**
 * The bench's SMTP server, in a process of its own (as the recipients' mail server is not the
 * issuing host): accepts every message and reports each recipient and the time to its parent
 * over IPC, in batches.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

let batch: { to: string; at: number }[] = [];
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, session, callback) {
    stream.resume();
    stream.on('end', () => {
      for (const r of session.envelope.rcptTo) batch.push({ to: r.address, at: Date.now() });
      callback();
    });
  },
});
server.listen(0, '127.0.0.1', () => {
  process.send!({ port: (server.server.address() as AddressInfo).port });
});
setInterval(() => {
  if (batch.length) process.send!({ received: batch });
  batch = [];
}, 100);
process.on('disconnect', () => process.exit(0));
