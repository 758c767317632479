import { z } from 'zod';

/** Where the notification routes (issue 16) live: under the tenant path, tagged together. */
export const base = '/api/credentials/orgs/{org}/users/{user_id}';
export const tenantParams = z.object({ org: z.string(), user_id: z.string() });
export const tag = 'notifications';
