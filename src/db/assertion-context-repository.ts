import type { Db } from './database.js';
import type { CredentialRow } from './catalog-repository.js';

/**
 * What assertion objects show beside the award itself: their credentials (deleted ones too: issued
 * awards keep theirs) and whether each credential's issuer has an email (OB 2.0 requires one).
 * One query per page of assertions, whatever its size.
 */
export interface AssertionContextRow {
  credential: CredentialRow;
  issuerHasEmail: boolean;
}

export function assertionContextRepository(db: Db) {
  return {
    async loadAssertionContexts(credentialIds: string[]): Promise<Map<string, AssertionContextRow>> {
      const ids = [...new Set(credentialIds)];
      const out = new Map<string, AssertionContextRow>();
      if (ids.length === 0) return out;
      const rows = await db
        .selectFrom('credentials as c')
        .leftJoin('issuers as i', 'i.id', 'c.issuer_id')
        .selectAll('c')
        .select('i.email as issuer_email')
        .where('c.id', 'in', ids)
        .execute();
      for (const { issuer_email, ...credential } of rows) {
        out.set(credential.id, { credential: credential as CredentialRow, issuerHasEmail: !!issuer_email });
      }
      return out;
    },
  };
}

export type AssertionContextRepository = ReturnType<typeof assertionContextRepository>;
