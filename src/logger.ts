import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Fields that hold secrets wherever they appear (top level or one object down): never logged. */
const SECRET_KEYS = ['token', 'adminToken', 'password', 'secret', 'keyEncryptionKey', 'privateKey', 'authorization'];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'badgeworks' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Bearer tokens, cookies and anything named like a secret never reach the logs.
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'res.headers["set-cookie"]',
          ...SECRET_KEYS.flatMap((k) => [k, `*.${k}`]),
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
