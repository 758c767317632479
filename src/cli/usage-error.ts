/** The user typed something the CLI does not take: one line, the usage, exit 2. */
export class UsageError extends Error {}
