import type { Role } from '../db/schema.js';

/** Who is calling: resolved from an API token or a platform JWT by the auth middleware. */
export interface Principal {
  userId: string;
  org: string;
  role: Role;
  departments: string[];
  via: 'token' | 'jwt';
  tokenId?: string;
}

export const ROLES: readonly Role[] = ['platform_admin', 'department_admin', 'student'];
