import type { ColumnType, Generated } from 'kysely';

/**
 * The database as Kysely sees it. Each capability adds its tables here and creates them in its own
 * migration under ./migrations.
 */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

export type Role = 'platform_admin' | 'department_admin' | 'student';

export interface OrgsTable {
  org: string;
  name: string;
  timezone: Generated<string>;
  created_at: CreatedAt;
}

export interface UsersTable {
  org: string;
  user_id: string;
  name: string | null;
  email: string | null;
  role: Role;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface DepartmentsTable {
  org: string;
  department_id: string;
  name: string;
}

export interface UserDepartmentsTable {
  org: string;
  user_id: string;
  department_id: string;
}

export interface GroupsTable {
  org: string;
  group_id: string;
  name: string;
  department_id: string | null;
}

export interface GroupMembersTable {
  org: string;
  group_id: string;
  user_id: string;
}

export interface ApiTokensTable {
  id: string;
  org: string;
  user_id: string;
  /** sha256 of the token; the token itself is shown once and never stored. */
  token_hash: string;
  created_at: CreatedAt;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface Database {
  orgs: OrgsTable;
  users: UsersTable;
  departments: DepartmentsTable;
  user_departments: UserDepartmentsTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  api_tokens: ApiTokensTable;
}
