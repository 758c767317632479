import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseUserImport } from './directory/user-import.js';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { directoryRepository } from './db/directory-repository.js';
import { directoryService, orgIdSchema, userIdSchema } from './directory/directory-service.js';
import { ROLES } from './auth/principal.js';
import type { Role } from './db/schema.js';
import { AppError } from './errors.js';
import { DataDirBusyError } from './db/data-dir-lock.js';
import { MissingBinaryError } from './embedded/redis-server.js';
import { FileStoreError } from './storage/s3-store.js';
import { openFileStore } from './storage/open-file-store.js';
import { copyFiles } from './storage/copy-files.js';
import { commandHelp, commandName, findCommand, usage } from './cli/usage.js';
import { VERSION } from './version.js';
import { UsageError } from './cli/usage-error.js';
import { ApiError, CliSetupError } from './cli/api-client.js';
import { isHttpCommand, runHttpCommand } from './cli/http-commands.js';

async function withDirectory<T>(fn: (dir: ReturnType<typeof directoryService>) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const handle = await openDatabase({ url: config.databaseUrl, pgliteDir: path.join(config.dataDir, 'pglite') });
  try {
    await migrateToLatest(handle.db);
    return await fn(directoryService({ directoryRepo: directoryRepository(handle.db) }));
  } finally {
    await handle.close();
  }
}

function need(value: string | undefined, what: string): string {
  if (!value) throw new UsageError(`missing ${what}`);
  return value;
}

const CLI_OPTIONS = {
  role: { type: 'string' },
  name: { type: 'string' },
  email: { type: 'string' },
  departments: { type: 'string' },
  timezone: { type: 'string' },
  department: { type: 'string' },
  members: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  // The commands that call a running service (src/cli/http-commands.ts).
  url: { type: 'string' },
  token: { type: 'string' },
  org: { type: 'string' },
  as: { type: 'string' },
  description: { type: 'string' },
  website: { type: 'string' },
  icon: { type: 'string' },
  issuer: { type: 'string' },
  html: { type: 'string' },
  css: { type: 'string' },
  criteria: { type: 'string' },
  credential: { type: 'string' },
  'user-id': { type: 'string' },
  csv: { type: 'string' },
  course: { type: 'string' },
  reason: { type: 'string' },
  interval: { type: 'string' },
  all: { type: 'boolean' },
  json: { type: 'boolean' },
  'skip-renders': { type: 'boolean' },
  version: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * `--issuer -x4Tq…`: entity ids (url-safe base64) and free text may start with a dash, which
 * parseArgs calls ambiguous; a value after a string option that is not itself an option is joined
 * to it (`--issuer=-x4Tq…`).
 */
export function joinDashValues(argv: string[]): string[] {
  const isOption = (a: string) =>
    a === '-h' || a === '-v' || (a.startsWith('--') && a.slice(2).split('=')[0] in CLI_OPTIONS);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].startsWith('--') && !argv[i].includes('=') ? argv[i].slice(2) : '';
    const next = argv[i + 1];
    const option = CLI_OPTIONS[name as keyof typeof CLI_OPTIONS] as { type: string } | undefined;
    if (option?.type === 'string' && next?.startsWith('-') && !isOption(next)) {
      out.push(`${argv[i]}=${next}`);
      i++;
    } else out.push(argv[i]);
  }
  return out;
}

/** parseArgs' own errors (unknown option, missing value) are the user's, not ours: usage + exit 2. */
function parseCli(argv: string[]) {
  try {
    return parseArgs({
      args: joinDashValues(argv),
      allowPositionals: true,
      options: CLI_OPTIONS,
    });
  } catch (err) {
    if (String((err as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS')) {
      throw new UsageError(
        (err as Error).message.split('. ')[0].replace(/^Unknown option '(.+)'$/, 'unknown option $1'),
      );
    }
    throw err;
  }
}

async function migrate(): Promise<void> {
  const config = loadConfig();
  const handle = await openDatabase({ url: config.databaseUrl, pgliteDir: path.join(config.dataDir, 'pglite') });
  try {
    const applied = await migrateToLatest(handle.db);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
  } finally {
    await handle.close();
  }
}

export async function runCli(argv: string[]): Promise<void> {
  const { values, positionals } = parseCli(argv);
  const [cmd, sub, ...rest] = positionals;
  if (values.version) {
    process.stdout.write(`badgeworks ${VERSION}\n`);
    return;
  }
  if (cmd === 'help' || values.help) {
    const words = cmd === 'help' ? positionals.slice(1) : positionals;
    const text = words.length ? commandHelp(words) : usage();
    if (!text) throw new UsageError(`unknown command "${words.join(' ')}"`);
    process.stdout.write(text + '\n');
    return;
  }
  if (!cmd) throw new UsageError('no command given');
  if (!findCommand(positionals)) throw new UsageError(`unknown command "${commandName(positionals)}"`);
  // Flags beat the environment for the one process they start; config validates them as it does PORT.
  if (values.port !== undefined) process.env.PORT = values.port;
  if (values.host !== undefined) process.env.HOST = values.host;
  const name = commandName([cmd, sub]);
  if (isHttpCommand(name)) return runHttpCommand(name, values, name.includes(' ') ? rest : positionals.slice(1));
  switch (name) {
    case 'start':
      return (await import('./main.js')).main();
    case 'api':
      return (await import('./server.js')).server();
    case 'worker':
      return (await import('./server.js')).worker();
    case 'migrate':
      return migrate();
    case 'files copy': {
      const config = loadConfig();
      const open = (url: string) => {
        if (!/^(s3|file):\/\//.test(url))
          throw new UsageError(`${url} is not a store URL (file:///path or s3://bucket/prefix)`);
        return openFileStore({ url, dataDir: config.dataDir, s3: config.s3 });
      };
      const from = open(need(values.from, '--from'));
      const to = open(need(values.to, '--to'));
      const r = await copyFiles(from, to, {
        onProgress: (p) => process.stdout.write(`copied ${p.copied} files (${p.bytes} bytes)...\n`),
      });
      process.stdout.write(`copied ${r.copied} files (${r.bytes} bytes), skipped ${r.skipped} already there\n`);
      return;
    }
    case 'org create': {
      const org = orgIdSchema.parse(need(rest[0], '<org>'));
      const name = need(rest.slice(1).join(' '), '<name>');
      await withDirectory((d) => d.createOrg('system', { org, name, timezone: values.timezone }));
      process.stdout.write(`created org ${org}\n`);
      return;
    }
    case 'user upsert': {
      const org = need(rest[0], '<org>');
      const userId = userIdSchema.parse(need(rest[1], '<user_id>'));
      const role = need(values.role, '--role') as Role;
      if (!ROLES.includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
      const departments = values.departments
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const user = await withDirectory((d) =>
        d.upsertUser('system', org, { user_id: userId, role, name: values.name, email: values.email, departments }),
      );
      process.stdout.write(JSON.stringify(user) + '\n');
      return;
    }
    case 'users import': {
      const org = need(rest[0], '<org>');
      const users = parseUserImport(readFileSync(need(rest[1], '<file>'), 'utf8'));
      const n = await withDirectory((d) => d.upsertUsers('system', org, users));
      process.stdout.write(`upserted ${n} users\n`);
      return;
    }
    case 'department put': {
      const [org, id, ...name] = rest;
      await withDirectory((d) =>
        d.putDepartment('system', need(org, '<org>'), need(id, '<department_id>'), need(name.join(' '), '<name>')),
      );
      process.stdout.write(`department ${id} saved\n`);
      return;
    }
    case 'group put': {
      const members = values.members
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const group = await withDirectory((d) =>
        d.putGroup('system', need(rest[0], '<org>'), {
          group_id: need(rest[1], '<group_id>'),
          name: need(values.name, '--name'),
          department: values.department,
          members,
        }),
      );
      process.stdout.write(JSON.stringify(group) + '\n');
      return;
    }
    case 'token create': {
      const t = await withDirectory((d) => d.createToken('system', need(rest[0], '<org>'), need(rest[1], '<user_id>')));
      process.stdout.write(`token id: ${t.id}\ntoken:    ${t.token}\n`);
      return;
    }
    case 'token revoke': {
      const id = need(rest[0], '<token_id>');
      await withDirectory((d) => d.revokeToken('system', id));
      process.stdout.write(`revoked ${id}\n`);
      return;
    }
    default:
      throw new UsageError(`unknown command "${positionals.join(' ')}"`);
  }
}

/**
 * Errors of the machine or its settings, not of our code: files and addresses (Node), and
 * PostgreSQL's connection-time answers (no such database, bad password, no such role).
 */
const ENVIRONMENT_ERRORS = new Set([
  'ENOENT',
  'ENOTDIR',
  'EACCES',
  'EPERM',
  'EROFS',
  'ENOSPC',
  'EADDRINUSE',
  'EADDRNOTAVAIL',
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  '3D000',
  '28P01',
  '28000',
  '57P03',
]);

function hintFor(err: Error): string {
  const code = String((err as NodeJS.ErrnoException).code);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return ' (check the host names in HOST, DATABASE_URL and REDIS_URL)';
  if (code === 'ECONNREFUSED' || code === '3D000' || code === '28P01' || code === '28000')
    return ' (check DATABASE_URL / REDIS_URL)';
  if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL') return ' (check PORT / HOST)';
  return '';
}

/** Known failures end in one line on stderr; only real faults show a stack. */
export async function cliMain(argv: string[]): Promise<void> {
  try {
    await runCli(argv);
  } catch (caught) {
    const err = caught instanceof Error ? caught : new Error(String(caught));
    const oneLine =
      [
        ConfigError,
        UsageError,
        AppError,
        DataDirBusyError,
        MissingBinaryError,
        FileStoreError,
        ApiError,
        CliSetupError,
      ].some((cls) => err instanceof cls) ||
      err.name === 'ZodError' ||
      err instanceof SyntaxError ||
      ENVIRONMENT_ERRORS.has(String((err as NodeJS.ErrnoException).code)) ||
      /needs (DATABASE_URL|REDIS_URL|KEY_ENCRYPTION_KEY|FILE_STORE)|Chromium was not found|redis-server (exited|did not start)/.test(
        err.message,
      );
    if (!oneLine) throw err;
    const message = err.name === 'ZodError' ? JSON.parse(err.message)[0]?.message : err.message;
    process.stderr.write(`badgeworks: ${message}${hintFor(err)}\n`);
    // A failed start has closed what it opened; nothing left may hold the process open.
    setTimeout(() => process.exit(), 1000).unref();
    if (err instanceof UsageError) process.stderr.write(`\n${usage()}\n`);
    process.exitCode = err instanceof ConfigError || err instanceof UsageError ? 2 : 1;
  }
}
