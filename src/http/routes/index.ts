import type { Runtime } from '../../runtime.js';
import type { RouteDef } from '../route.js';
import { adminRoutes } from './admin.js';
import { jobRoutes } from './jobs.js';

/** Every declared API route, in matching order (specific paths before `{entity_id}` catch-alls). */
export function allRoutes(rt: Runtime): RouteDef[] {
  return [...adminRoutes(rt), ...jobRoutes(rt)];
}
