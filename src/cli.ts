import path from 'node:path';
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

const USAGE = `Usage: badgeworks <command>

  start                                  API + workers in one process (embedded PGlite/redis when unset)
  api                                    API only (needs DATABASE_URL and REDIS_URL)
  worker                                 workers only (needs DATABASE_URL and REDIS_URL)
  migrate                                apply database migrations
  org create <org> <name> [--timezone Z] create an org
  user upsert <org> <user_id> --role R [--name N] [--email E] [--departments a,b]
  token create <org> <user_id>           create an API token (printed once)
  token revoke <token_id>                revoke an API token

Configuration comes from the environment; see README.md.`;

async function withDirectory<T>(fn: (dir: ReturnType<typeof directoryService>) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const handle = await openDatabase({ url: config.databaseUrl, pgliteDir: path.join(config.dataDir, 'pglite') });
  try {
    await migrateToLatest(handle.db);
    return await fn(directoryService(directoryRepository(handle.db)));
  } finally {
    await handle.close();
  }
}

function need(value: string | undefined, what: string): string {
  if (!value) throw new UsageError(`missing ${what}`);
  return value;
}

class UsageError extends Error {}

export async function runCli(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      role: { type: 'string' },
      name: { type: 'string' },
      email: { type: 'string' },
      departments: { type: 'string' },
      timezone: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [cmd, sub, ...rest] = positionals;
  if (values.help || !cmd) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  switch (`${cmd}${sub && ['org', 'user', 'token'].includes(cmd) ? ' ' + sub : ''}`) {
    case 'start':
      return (await import('./main.js')).main();
    case 'api':
      return (await import('./server.js')).server();
    case 'worker':
      return (await import('./server.js')).worker();
    case 'migrate': {
      const config = loadConfig();
      const handle = await openDatabase({ url: config.databaseUrl, pgliteDir: path.join(config.dataDir, 'pglite') });
      try {
        const applied = await migrateToLatest(handle.db);
        process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
      } finally {
        await handle.close();
      }
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
      const departments = values.departments?.split(',').map((s) => s.trim()).filter(Boolean);
      const user = await withDirectory((d) =>
        d.upsertUser('system', org, { user_id: userId, role, name: values.name, email: values.email, departments }),
      );
      process.stdout.write(JSON.stringify(user) + '\n');
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

/** Known failures end in one line on stderr; only real faults show a stack. */
export async function cliMain(argv: string[]): Promise<void> {
  try {
    await runCli(argv);
  } catch (caught) {
    const err = caught instanceof Error ? caught : new Error(String(caught));
    const oneLine =
      [ConfigError, UsageError, AppError, DataDirBusyError, MissingBinaryError].some((cls) => err instanceof cls) ||
      err.name === 'ZodError' ||
      /needs (DATABASE_URL|REDIS_URL|KEY_ENCRYPTION_KEY)|Chromium was not found|EADDRINUSE/.test(err.message);
    if (!oneLine) throw err;
    const message = err.name === 'ZodError' ? JSON.parse(err.message)[0]?.message : err.message;
    process.stderr.write(`badgeworks: ${message}\n`);
    if (err instanceof UsageError) process.stderr.write(`\n${USAGE}\n`);
    process.exitCode = err instanceof ConfigError || err instanceof UsageError ? 2 : 1;
  }
}
