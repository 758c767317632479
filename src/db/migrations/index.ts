import type { Migration } from 'kysely';
import * as directory from './001-directory.js';
import * as catalog from './002-catalog.js';

/**
 * Every migration, in order. Names sort lexically, so keep the numeric prefix; a capability adds
 * its own entry rather than editing an earlier one.
 */
export const migrations: Record<string, Migration> = {
  '001-directory': directory,
  '002-catalog': catalog,
};
