import type { Migration } from 'kysely';
import * as directory from './001-directory.js';
import * as catalog from './002-catalog.js';
import * as assertions from './003-assertions.js';
import * as analyticsIndexes from './004-analytics-indexes.js';
import * as assignments from './005-assignments.js';
import * as issuerAuthorizations from './006-issuer-authorizations.js';
import * as assertionDailyCounts from './007-assertion-daily-counts.js';
import * as oneLivePerOrg from './008-one-live-assertion-per-org.js';
import * as supersededAssertions from './009-superseded-assertions.js';
import * as statusReservations from './010-status-reservations.js';
import * as orgProfile from './011-org-profile.js';
import * as assertionAcceptance from './012-assertion-acceptance.js';
import * as issuerDids from './013-issuer-dids.js';
import * as notifications from './014-notifications.js';
import * as walletExchanges from './015-wallet-exchanges.js';
import * as bulkRenderProgress from './016-bulk-render-progress.js';
import * as issuerProofSettings from './017-issuer-proof-settings.js';
import * as walletCopyLimits from './018-wallet-copy-limits.js';
import * as statusListIssuerRefs from './019-status-list-issuer-refs.js';

/**
 * Every migration, in order. Names sort lexically, so keep the numeric prefix; a capability adds
 * its own entry rather than editing an earlier one.
 */
export const migrations: Record<string, Migration> = {
  '001-directory': directory,
  '002-catalog': catalog,
  '003-assertions': assertions,
  '004-analytics-indexes': analyticsIndexes,
  '005-assignments': assignments,
  '006-issuer-authorizations': issuerAuthorizations,
  '007-assertion-daily-counts': assertionDailyCounts,
  '008-one-live-assertion-per-org': oneLivePerOrg,
  '009-superseded-assertions': supersededAssertions,
  '010-status-reservations': statusReservations,
  '011-org-profile': orgProfile,
  '012-assertion-acceptance': assertionAcceptance,
  '013-issuer-dids': issuerDids,
  '014-notifications': notifications,
  '015-wallet-exchanges': walletExchanges,
  '016-bulk-render-progress': bulkRenderProgress,
  '017-issuer-proof-settings': issuerProofSettings,
  '018-wallet-copy-limits': walletCopyLimits,
  '019-status-list-issuer-refs': statusListIssuerRefs,
};
