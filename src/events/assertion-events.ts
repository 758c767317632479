import type { AssertionSummary, NewAssertion } from '../db/assertion-repository.js';
import type { PublicUrls } from '../public-urls.js';
import type { AssertionIssuedData, AssertionRevokedData } from './event-types.js';
import type { EventInput } from './notifier.js';

/** Event inputs for assertion changes, built from the rows the change wrote. */
const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

export function issuedEvent(
  urls: PublicUrls,
  row: NewAssertion,
  opts: { bulkId?: string; previousId?: string; notify?: boolean },
): EventInput {
  const data: AssertionIssuedData = {
    assertion_id: row.id,
    credential_id: row.credential_id,
    issuer_id: row.issuer_id,
    recipient: { user_id: row.recipient_user_id, email: row.recipient_email ?? null, name: row.recipient_name ?? null },
    issued_on: iso(row.issued_on)!,
    expires: iso(row.expires_at),
    verification_url: urls.verificationPage(row.id),
    bulk_id: opts.bulkId ?? null,
    ...(opts.previousId && { previous_assertion_id: opts.previousId }),
  };
  return {
    type: opts.previousId ? 'assertion.reissued' : 'assertion.issued',
    org: row.org,
    subject: row.id,
    data,
    mail: { assertionId: row.id, hasEmail: !!row.recipient_email, notify: opts.notify },
  };
}

export function revokedEvent(a: AssertionSummary): EventInput {
  const data: AssertionRevokedData = {
    assertion_id: a.id,
    credential_id: a.credential_id,
    recipient: { user_id: a.recipient_user_id, email: a.recipient_email, name: a.recipient_name },
    revoked_at: iso(a.revoked_at) ?? new Date().toISOString(),
    revocation_reason: a.revocation_reason,
  };
  return {
    type: 'assertion.revoked',
    org: a.org,
    subject: a.id,
    data,
    mail: { assertionId: a.id, hasEmail: !!a.recipient_email },
  };
}
