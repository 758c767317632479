import type { Db } from './database.js';
import { orgQueries } from './directory-org-queries.js';
import { userQueries } from './directory-user-queries.js';
import { userUpsert } from './directory-user-upsert.js';
import { groupQueries } from './directory-group-queries.js';
import { tokenQueries } from './directory-token-queries.js';

export type { OrgProfile, OrgRow } from './directory-org-queries.js';
export type { UserInput, UserRow } from './directory-user-queries.js';

/** Orgs, users, departments, groups and API tokens: the directory table group. */
export function directoryRepository(db: Db) {
  return {
    ...orgQueries(db),
    ...userQueries(db),
    ...userUpsert(db),
    ...groupQueries(db),
    ...tokenQueries(db),
  };
}

export type DirectoryRepository = ReturnType<typeof directoryRepository>;
