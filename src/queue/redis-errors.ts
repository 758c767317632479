/**
 * Recognizes the errors ioredis raises when Redis cannot be reached, so the HTTP layer can answer
 * 503 + Retry-After (QueueUnavailableError) instead of 500. With `enableOfflineQueue: false` and a
 * finite `maxRetriesPerRequest` (src/queue/queue-set.ts) these arrive at once instead of a hang.
 */
const CONNECTION_MESSAGES = [
  "Stream isn't writeable", // command sent while disconnected, offline queue off
  'Reached the max retries per request limit', // in flight when the connection dropped
  'Connection is closed', // client closed (or closing)
  'Command timed out', // commandTimeout of a connection
];

export function isRedisConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  // Socket-level codes (ECONNREFUSED…) are left out on purpose: PostgreSQL raises them too.
  if (err.name === 'MaxRetriesPerRequestError') return true;
  return CONNECTION_MESSAGES.some((m) => err.message.includes(m));
}
