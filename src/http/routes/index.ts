import type { Runtime } from '../../runtime.js';
import type { RouteDef } from '../route.js';
import type { PublicAnswers } from '../public-answers.js';
import { adminGroupRoutes, adminOrgRoutes, adminTokenRoutes, adminUserRoutes } from './admin.js';
import { jobRoutes } from './jobs.js';
import { analyticsRoutes } from './analytics.js';
import { assignmentRoutes } from './assignments.js';
import { organizationRoutes } from './organizations.js';
import { signalRoutes } from './signals.js';
import { catalogCredentialRoutes, credentialDetailRoutes } from './catalog-credentials.js';
import { catalogImageRoutes } from './catalog-images.js';
import { catalogIssuerRoutes } from './catalog-issuers.js';
import { publicImageRoutes } from './public-images.js';
import { assertionRoutes, credentialAssertionRoutes } from './assertions.js';
import { publicAssertionRoutes } from './public-assertions.js';
import { publicProfileRoutes } from './public-profiles.js';
import { publicKeyRoutes, publicKeySetRoutes } from './public-keys.js';
import { publicStatusListRoutes } from './public-status-lists.js';
import { publicDidRoutes } from './public-dids.js';
import { publicFileRoutes } from './public-files.js';
import { publicVerifyRoutes } from './public-verify.js';
import { previewRoutes } from './preview.js';
import { studioRoutes } from './studio.js';
import { notificationRoutes } from './notifications.js';
import { walletExchangeRoutes } from './wallet-exchanges.js';

/** Every declared API route, in matching order (specific paths before `{entity_id}` catch-alls). */
export function allRoutes(rt: Runtime, answers: PublicAnswers): RouteDef[] {
  return [
    ...adminOrgRoutes(rt),
    ...adminUserRoutes(rt),
    ...adminGroupRoutes(rt),
    ...adminTokenRoutes(rt),
    ...jobRoutes(rt),
    ...analyticsRoutes(rt),
    ...assignmentRoutes(rt),
    ...organizationRoutes(rt),
    ...catalogIssuerRoutes(rt),
    ...catalogImageRoutes(rt),
    ...previewRoutes(rt),
    ...studioRoutes(),
    ...catalogCredentialRoutes(rt),
    ...publicImageRoutes(rt),
    ...assertionRoutes(rt),
    ...credentialAssertionRoutes(rt),
    ...signalRoutes(rt),
    ...walletExchangeRoutes(rt),
    ...publicFileRoutes(rt),
    ...publicAssertionRoutes(rt, answers),
    ...publicProfileRoutes(rt),
    ...publicKeyRoutes(rt),
    ...publicStatusListRoutes(rt),
    ...publicKeySetRoutes(rt),
    ...publicDidRoutes(rt),
    ...publicVerifyRoutes(rt, answers),
    // Issue 16: events feed, webhooks, mail settings (before the `{entity_id}` catch-all below).
    ...notificationRoutes(rt),
    // Must stay LAST: `/api/credentials/orgs/{org}/users/{user_id}/{entity_id}` would otherwise swallow
    // `…/issuers`, `…/images`, `…/course-credentials`, `…/assertions` and every other `…/<word>` route.
    ...credentialDetailRoutes(rt),
  ];
}
