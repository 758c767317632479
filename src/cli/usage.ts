/**
 * The CLI's commands as data: `badgeworks help` lists them, `badgeworks help <command>` shows one,
 * and a usage error prints the list. One table, so the help cannot drift from what is accepted.
 */
export interface CommandHelp {
  /** As typed: `start`, `org create`, `users import`. */
  name: string;
  args?: string;
  summary: string;
  details?: string;
}

/** Where the commands that call a running service's API go, and as whom (src/cli/api-client.ts). */
const TARGET =
  'Calls the running service over HTTP: --url (BADGEWORKS_URL, default http://localhost:3000),\n' +
  '--token (BADGEWORKS_TOKEN, default the DATA_DIR/admin-token of the first start), --org and --as\n' +
  "(BADGEWORKS_ORG, BADGEWORKS_USER: the token holder's org and user, default main and admin).\n" +
  "An error from the API prints one line and exits 1; --json prints the API's answer instead.";

const SERVICE_COMMANDS: CommandHelp[] = [
  {
    name: 'issuers create',
    args: '--name N [--email E] [--website URL] [--icon URL] [--description D]',
    summary: 'create an issuer (prints its id)',
    details: TARGET,
  },
  {
    name: 'credentials create',
    args: '--issuer ID --name N [--description D] [--criteria T] [--html F] [--css F]',
    summary: 'create a credential (prints its id)',
    details: '--html and --css name files holding the certificate template.\n' + TARGET,
  },
  {
    name: 'issue',
    args: '--credential ID (--email E | --user-id U) [--name N] | --csv FILE',
    summary: 'issue a credential to one recipient, or to every row of a CSV file',
    details:
      "With --csv: header user_id,email,name,<custom fields…> (the bulk route's format; errors name\n" +
      'their line), posted as one bulk, then followed until its certificates are rendered: a\n' +
      'progress bar on a terminal, a line per change otherwise. --skip-renders stops once issued;\n' +
      '--interval MS sets the polling interval (default 500). Failed rows are listed at the end.\n' +
      TARGET,
  },
  { name: 'revoke', args: '<assertion_id> --reason R', summary: 'revoke an assertion', details: TARGET },
  {
    name: 'tokens list',
    args: '[--user-id U] [--all]',
    summary: "list the org's API tokens (ids and dates, never values)",
    details: '--all includes revoked tokens.\n' + TARGET,
  },
  { name: 'tokens revoke', args: '<token_id>', summary: 'revoke an API token through the API', details: TARGET },
];

export const COMMANDS: CommandHelp[] = [
  {
    name: 'start',
    args: '[--port N] [--host H]',
    summary: 'API + workers in one process (embedded PGlite/redis when unset)',
    details:
      'Starts everything on the embedded defaults. --port and --host override PORT and HOST.\n' +
      'On the first start the admin token is written to DATA_DIR/admin-token (mode 600).',
  },
  { name: 'api', args: '[--port N] [--host H]', summary: 'API only (needs DATABASE_URL and REDIS_URL)' },
  { name: 'worker', summary: 'workers only (needs DATABASE_URL and REDIS_URL)' },
  { name: 'migrate', summary: 'apply database migrations' },
  { name: 'org create', args: '<org> <name> [--timezone Z]', summary: 'create an org' },
  {
    name: 'user upsert',
    args: '<org> <user_id> --role R [--name N] [--email E] [--departments a,b]',
    summary: 'create or update a user',
    details: 'R is platform_admin, department_admin or student.',
  },
  {
    name: 'users import',
    args: '<org> <file.csv|file.json>',
    summary: 'create/update users (CSV: user_id,role,name,email,departments)',
    details:
      'CSV: a header row naming user_id and role (any case), then one user per row; departments are\n' +
      'separated by ";" (or "," in a ";"-separated file). Quotes, embedded newlines, ";" separators\n' +
      'and a UTF-8 byte order mark are accepted; an error names its line. JSON: an array of users.',
  },
  { name: 'department put', args: '<org> <department_id> <name>', summary: 'create or rename a department' },
  {
    name: 'group put',
    args: '<org> <group_id> --name N [--department D] [--members a,b]',
    summary: 'create or replace a group',
  },
  { name: 'token create', args: '<org> <user_id>', summary: 'create an API token (printed once)' },
  { name: 'token revoke', args: '<token_id>', summary: 'revoke an API token' },
  {
    name: 'files copy',
    args: '--from URL --to URL',
    summary: 'copy every stored file between stores (file:///path, s3://bucket/prefix)',
    details: 'Files already present at the destination are skipped, so a copy can be run again.',
  },
  ...SERVICE_COMMANDS,
  { name: 'help', args: '[command]', summary: 'this list, or the details of one command' },
];

const GROUPS = new Set(COMMANDS.filter((c) => c.name.includes(' ')).map((c) => c.name.split(' ')[0]));

/** The words of argv that name a command: `org create` for a group, `start` otherwise. */
export function commandName(positionals: string[]): string {
  const [cmd, sub] = positionals;
  return sub !== undefined && GROUPS.has(cmd) ? `${cmd} ${sub}` : (cmd ?? '');
}

export function findCommand(words: string[]): CommandHelp | undefined {
  const name = commandName(words);
  return COMMANDS.find((c) => c.name === name);
}

function line(c: CommandHelp): string {
  const head = `${c.name}${c.args ? ' ' + c.args : ''}`;
  return head.length < 39 ? `  ${head.padEnd(39)}${c.summary}` : `  ${head}\n  ${''.padEnd(39)}${c.summary}`;
}

export function usage(): string {
  return [
    'Usage: badgeworks <command> [options]',
    '',
    ...COMMANDS.map(line),
    '',
    '  --version                              print the version',
    '  -h, --help                             this list (after a command: that command)',
    '',
    'Configuration comes from the environment; see README.md.',
  ].join('\n');
}

/** Help for one command, or for a group (`help token`: every `token …` command). */
export function commandHelp(words: string[]): string | undefined {
  const exact = findCommand(words);
  const matches = exact ? [exact] : COMMANDS.filter((c) => c.name.split(' ')[0] === words[0] && words.length === 1);
  if (!matches.length) return undefined;
  return matches
    .map(
      (c) =>
        `Usage: badgeworks ${c.name}${c.args ? ' ' + c.args : ''}\n\n  ${c.summary}${c.details ? '\n\n' + c.details : ''}`,
    )
    .join('\n\n');
}
