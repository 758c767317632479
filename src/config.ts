import { existsSync } from 'node:fs';
import { PUBLIC_CACHE_TTL_MS } from './cache/micro-cache.js';
import net from 'node:net';
import path from 'node:path';
import os from 'node:os';
import { z } from 'zod';

/**
 * Every setting of the service, read from the environment once at start. A bad value stops the
 * start with one line naming the variable (ConfigError), never a stack trace.
 */
export class ConfigError extends Error {}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().min(1);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));
const optionalUrl = (protocols: string[]) =>
  optionalString.refine(
    (v) => v === undefined || (URL.canParse(v) && protocols.includes(new URL(v).protocol)),
    `must be a URL (${protocols.join(' or ')})`,
  );

/** `600/min`, `10/s`, `1000/h` or a bare number (per minute): how many requests a key may make per window. */
const rateLimit = z
  .string()
  .regex(/^\s*\d{1,9}\s*(\/\s*(s|sec|second|m|min|minute|h|hour)\s*)?$/i, 'must be a count per window like 600/min')
  .transform((v): RateLimitRule => {
    const [count, unit = 'min'] = v.split('/').map((x) => x.trim().toLowerCase());
    const seconds = unit.startsWith('s') ? 1 : unit.startsWith('h') ? 3600 : 60;
    return { points: Number(count), seconds };
  })
  .refine((r) => r.points >= 1, 'must allow at least 1 request');
/** Express `trust proxy` values we accept: a hop count, or named ranges / addresses / CIDRs (never "everything"). */
const TRUST_PRESETS = ['loopback', 'linklocal', 'uniquelocal'];
const isCidr = (v: string): boolean => {
  const [ip, bits, extra] = v.split('/');
  const family = net.isIP(ip);
  if (!family || extra !== undefined) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
};
const trustProxy = z
  .string()
  .transform((v): number | string[] =>
    /^\d+$/.test(v.trim())
      ? Number(v)
      : v
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
  )
  .refine(
    (v) => (typeof v === 'number' ? v <= 32 : v.length > 0 && v.every((x) => TRUST_PRESETS.includes(x) || isCidr(x))),
    'must be a hop count, or a comma list of loopback, linklocal, uniquelocal, addresses and CIDRs',
  );

/** Which workers a process may run (WORKERS). */
const WORKER_NAMES = ['issuance', 'render', 'webhooks', 'mail'] as const;
export type WorkerName = (typeof WORKER_NAMES)[number];

const envSchema = z.object({
  PORT: port.default(3000),
  HOST: z.string().default('0.0.0.0'),
  PUBLIC_BASE_URL: optionalUrl(['http:', 'https:']),
  DATABASE_URL: optionalUrl(['postgres:', 'postgresql:']),
  REDIS_URL: optionalUrl(['redis:', 'rediss:']),
  DATA_DIR: z.string().default('./data'),
  CHROMIUM_PATH: optionalString.refine((v) => v === undefined || existsSync(v), 'no such file'),
  ADMIN_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, 'must be at least 16 characters'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  KEY_ENCRYPTION_KEY: optionalString.refine(
    (v) => v === undefined || v.length >= 32,
    'must be at least 32 characters (e.g. `openssl rand -base64 32`)',
  ),
  // The keys that mint admins: fetched over TLS, except from this machine.
  AUTH_JWKS_URL: optionalUrl(['http:', 'https:']).refine(
    (v) =>
      v === undefined ||
      new URL(v).protocol === 'https:' ||
      ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(v).hostname),
    'must be an https: URL (http: only on localhost)',
  ),
  AUTH_JWT_ISSUER: optionalString,
  AUTH_JWT_AUDIENCE: optionalString,
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(kb|mb|b)?$/i, 'must be a size like 1mb or 512kb')
    .default('1mb'),
  ISSUE_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(5000),
  /** How long a replica answers the hot public paths from memory: the revocation bound when the bus is down. */
  PUBLIC_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(PUBLIC_CACHE_TTL_MS),
  WORKER_CONCURRENCY: positiveInt.max(256).default(8),
  RENDER_PAGES: positiveInt.max(32).default(Math.max(1, os.availableParallelism())),
  /** Certificates of a stacking template per print when the pool is busy (1: each printed alone). */
  RENDER_BATCH: positiveInt.max(50).default(10),
  REDIS_SERVER_PATH: z.string().default('redis-server'),
  QUEUE_PREFIX: z
    .string()
    // `{badgeworks}`: a Redis Cluster hash tag, so every key of a queue (and of flows across queues) shares a slot.
    .regex(
      /^(\{[A-Za-z0-9:_-]+\})?[A-Za-z0-9:_-]*$/,
      'letters, digits, ":", "_" and "-" only, optionally starting with a {hash tag}',
    )
    .refine((v) => v.length > 0, 'must not be empty')
    .default('badgeworks'),
  JOB_LOCK_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  WORKERS: z
    .string()
    .default('issuance,render,webhooks,mail')
    .transform((v) =>
      v
        .split(',')
        .map((w) => w.trim())
        .filter(Boolean),
    )
    .refine(
      (ws) => ws.length > 0 && ws.every((w) => (WORKER_NAMES as readonly string[]).includes(w)),
      'a comma list of issuance, render, webhooks and mail',
    ),
  SHUTDOWN_DELAY_MS: z.coerce.number().int().min(0).max(120_000).default(1000),
  TRUST_PROXY: trustProxy.optional(),
  RATE_LIMIT: z.enum(['on', 'off']).default('on'),
  RATE_LIMIT_PUBLIC: rateLimit.prefault('600/min'),
  RATE_LIMIT_VERIFY: rateLimit.prefault('120/min'),
  RATE_LIMIT_RENDER: rateLimit.prefault('300/min'),
  RATE_LIMIT_API: rateLimit.prefault('3000/min'),
  RATE_LIMIT_AUTH_FAILURES: rateLimit.prefault('30/min'),
  IMAGE_MAX_PIXELS: positiveInt.max(268_435_456).default(4096 * 4096),
  IMAGE_MAX_EDGE: positiveInt.max(65_535).default(8192),
  RENDER_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),
  FILE_STORE: optionalString.refine(
    (v) => v === undefined || /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(v) || /^file:\/\/\/./.test(v),
    'must be s3://bucket/prefix or file:///absolute/path',
  ),
  S3_ENDPOINT: optionalUrl(['http:', 'https:']),
  S3_REGION: optionalString,
  S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).default('false'),
  S3_PRESIGNED_DOWNLOADS: z.enum(['true', 'false']).default('false'),
  QUEUE_DASHBOARD: z.enum(['ro', 'rw']).default('ro'),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  WORKER_METRICS_PORT: port.optional(),
  API_PROCESSES: z.coerce.number().int().min(1).max(64).default(1),
  // --- notifications (issue 16): src/events, src/webhooks, src/mail ---
  EVENTS_RETENTION_DAYS: positiveInt.max(3650).default(30),
  WEBHOOK_ALLOW_HTTP: z.enum(['on', 'off']).default('off'),
  WEBHOOK_ALLOWED_ADDRESSES: optionalString.refine(
    (v) => v === undefined || v.split(',').every((x) => isCidr(x.trim())),
    'must be a comma list of addresses and CIDRs',
  ),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  WEBHOOK_ATTEMPTS: positiveInt.max(100).default(17),
  WEBHOOK_BACKOFF_MS: positiveInt.max(3_600_000).default(1300),
  WEBHOOK_DISABLE_AFTER: positiveInt.max(100_000).default(100),
  SMTP_URL: optionalUrl(['smtp:', 'smtps:']),
  MAIL_FROM: optionalString,
  MAIL_RATE_PER_ORG: rateLimit.prefault('600/min'),
  MAIL_ATTEMPTS: positiveInt.max(100).default(8),
  MAIL_BACKOFF_MS: positiveInt.max(3_600_000).default(5000),
  WALLET_EXCHANGE_TTL_S: z.coerce.number().int().min(30).max(86_400).default(900),
  WALLET_CLAIM_TTL_DAYS: positiveInt.max(3650).default(30),
  WALLET_MAX_COPIES: positiveInt.max(1000).default(3),
  DID_WEB_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  MAIL_PDF_WAIT_MS: z.coerce.number().int().min(0).max(86_400_000).default(600_000),
});

export interface RateLimitRule {
  points: number;
  seconds: number;
}

/** The environment, parsed, as the settings the code reads: the one declaration of every setting. */
const configSchema = envSchema.transform((e) => ({
  port: e.PORT,
  host: e.HOST,
  publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
  databaseUrl: e.DATABASE_URL,
  redisUrl: e.REDIS_URL,
  dataDir: path.resolve(e.DATA_DIR),
  chromiumPath: e.CHROMIUM_PATH,
  adminToken: e.ADMIN_TOKEN,
  logLevel: e.LOG_LEVEL,
  /** Master key for private issuer keys at rest; generated into DATA_DIR on first start when unset. */
  keyEncryptionKey: e.KEY_ENCRYPTION_KEY,
  auth: { jwksUrl: e.AUTH_JWKS_URL, issuer: e.AUTH_JWT_ISSUER, audience: e.AUTH_JWT_AUDIENCE },
  bodyLimit: e.BODY_LIMIT,
  issueWaitMs: e.ISSUE_WAIT_MS,
  publicCacheMs: e.PUBLIC_CACHE_MS,
  workerConcurrency: e.WORKER_CONCURRENCY,
  renderPages: e.RENDER_PAGES,
  renderBatch: e.RENDER_BATCH,
  redisServerPath: e.REDIS_SERVER_PATH,
  /** Key prefix of every BullMQ key, so several installations can share one Redis. */
  queuePrefix: e.QUEUE_PREFIX,
  /** How long a worker's job lock lasts; a killed worker's job is retried after about this long. */
  jobLockMs: e.JOB_LOCK_MS,
  /** Which workers a worker process runs: issuance, render, webhooks and mail scale separately. */
  workers: e.WORKERS as WorkerName[],
  /** On SIGTERM, how long /readyz answers 503 (requests still served) before the listener closes. */
  shutdownDelayMs: e.SHUTDOWN_DELAY_MS,
  /** Express `trust proxy`: false (unset), a hop count, or trusted proxy addresses/ranges. */
  trustProxy: e.TRUST_PROXY ?? (false as const),
  /** Per-window limits shared through Redis; undefined when RATE_LIMIT=off. */
  rateLimits:
    e.RATE_LIMIT === 'off'
      ? undefined
      : {
          /** per client IP: public pages and documents */
          public: e.RATE_LIMIT_PUBLIC,
          /** per client IP: POST /api/credentials/public/verify (parses uploads) */
          verify: e.RATE_LIMIT_VERIFY,
          /** per client IP: rendered files (may start a Chromium render) */
          render: e.RATE_LIMIT_RENDER,
          /** per principal: the authenticated API */
          api: e.RATE_LIMIT_API,
          /** per client IP: presented tokens that were refused */
          authFailures: e.RATE_LIMIT_AUTH_FAILURES,
        },
  /** Pixel budget of an uploaded image (read from its header), also checked before a render draws one. */
  imageBudget: { maxPixels: e.IMAGE_MAX_PIXELS, maxEdge: e.IMAGE_MAX_EDGE },
  /** Time limit of one render (a second timeout of the same job fails it as the template's fault). */
  renderTimeoutMs: e.RENDER_TIMEOUT_MS,
  /** FILE_STORE as set (undefined: the all-in-one default DATA_DIR/files, which split roles refuse). */
  fileStore: e.FILE_STORE,
  /** The S3 client of an `s3://` store; credentials come from the SDK's chain (env, profile, role). */
  s3: { endpoint: e.S3_ENDPOINT, region: e.S3_REGION, forcePathStyle: e.S3_FORCE_PATH_STYLE === 'true' },
  /** Rendered downloads answer 302 to a presigned GET URL of the S3 store instead of passing the bytes through. */
  presignedDownloads: e.S3_PRESIGNED_DOWNLOADS === 'true',
  /** `/admin/queues`: read-only (`ro`), or with retry/clean/remove (`rw`). */
  queueDashboard: e.QUEUE_DASHBOARD,
  /** When set, `/metrics` answers only `Authorization: Bearer <this>`. */
  metricsToken: e.METRICS_TOKEN,
  /** A worker-only process (`badgeworks worker`) serves its own /metrics on this port when set. */
  workerMetricsPort: e.WORKER_METRICS_PORT,
  /** `badgeworks api` only: processes sharing the port (node:cluster). */
  apiProcesses: e.API_PROCESSES,
  /** Notifications (issue 16): the change feed, webhooks out, email to recipients. */
  notify: {
    eventsRetentionDays: e.EVENTS_RETENTION_DAYS,
    webhooks: {
      allowHttp: e.WEBHOOK_ALLOW_HTTP === 'on',
      allowedAddresses: (e.WEBHOOK_ALLOWED_ADDRESSES ?? '')
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      attempts: e.WEBHOOK_ATTEMPTS,
      backoffMs: e.WEBHOOK_BACKOFF_MS,
      disableAfter: e.WEBHOOK_DISABLE_AFTER,
    },
    mail:
      e.SMTP_URL && e.MAIL_FROM
        ? {
            smtpUrl: e.SMTP_URL,
            from: e.MAIL_FROM,
            ratePerOrg: e.MAIL_RATE_PER_ORG,
            attempts: e.MAIL_ATTEMPTS,
            backoffMs: e.MAIL_BACKOFF_MS,
            pdfWaitMs: e.MAIL_PDF_WAIT_MS,
          }
        : undefined,
  } as NotifyConfig,
  /**
   * "Add to wallet" (issue 15): exchange lifetime, claim link lifetime and the copies one claim
   * link may issue, holder did:web resolution.
   */
  wallet: {
    exchangeTtlMs: e.WALLET_EXCHANGE_TTL_S * 1000,
    claimTtlMs: e.WALLET_CLAIM_TTL_DAYS * 86_400_000,
    maxClaimCopies: e.WALLET_MAX_COPIES,
    didWebTimeoutMs: e.DID_WEB_TIMEOUT_MS,
  },
}));

export type Config = z.output<typeof configSchema>;

export interface NotifyConfig {
  eventsRetentionDays: number;
  webhooks: {
    allowHttp: boolean;
    /** Addresses exempt from the private/loopback/link-local refusal (an operator's internal receivers). */
    allowedAddresses: string[];
    timeoutMs: number;
    attempts: number;
    backoffMs: number;
    /** Consecutive failed attempts after which an endpoint is disabled. */
    disableAfter: number;
  };
  /** Undefined when SMTP_URL is unset: no email is sent. */
  mail?: {
    smtpUrl: string;
    from: string;
    ratePerOrg: RateLimitRule;
    attempts: number;
    backoffMs: number;
    /** How long an email with `attach_pdf` waits for its certificate to be rendered before it goes without. */
    pdfWaitMs: number;
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // `PORT=` (as compose files and shells leave it) means "not set", not 0 or "".
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = configSchema.safeParse(given);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`Invalid ${name}=${JSON.stringify(env[name] ?? '')}: ${issue.message}`);
  }
  const config = parsed.data;
  if (config.auth.jwksUrl && !config.auth.issuer) {
    // Without it any JWT that key set ever signed, for any service, would be an API credential here.
    throw new ConfigError(
      'Invalid AUTH_JWT_ISSUER="": must be set with AUTH_JWKS_URL (the `iss` of the platform\'s JWTs)',
    );
  }
  if (config.presignedDownloads && !config.fileStore?.startsWith('s3://')) {
    throw new ConfigError('Invalid S3_PRESIGNED_DOWNLOADS="true": needs an s3:// FILE_STORE');
  }
  if (given.SMTP_URL && !given.MAIL_FROM) throw new ConfigError('Invalid MAIL_FROM="": must be set with SMTP_URL');
  return config;
}
