import type { Principal } from '../auth/principal.js';
import type { Signatory, CatalogRepository } from '../db/catalog-repository.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { assertCatalogWriter } from './catalog-access.js';

/**
 * Signatories ("authorities") of certificates: attached to one credential, or to an issuer (and
 * so to all its credentials). The target is named, most specific first, by `credential`, by the
 * issuer's `entityId`, or by `org` (the org's issuer, as the issuer routes allow). Naming none of
 * them (the seed marks all three optional) attaches to the org's primary issuer: its oldest live
 * one, the same issuer `org` names.
 */
export interface SignatoryInput extends Signatory {
  credential?: string;
  entityId?: string;
  org?: string;
}

export function signatoryService(deps: { catalogRepo: CatalogRepository }) {
  const { catalogRepo } = deps;
  return {
    async create(p: Principal, org: string, input: SignatoryInput): Promise<Signatory> {
      assertCatalogWriter(p, org);
      let target: { issuer_id: string | null; credential_id: string | null };
      if (input.credential) {
        const credential = await catalogRepo.getCredential(org, input.credential);
        if (!credential) throw new NotFoundError(`Credential "${input.credential}" not found.`);
        // The issuer may be named by entity id or by the org identifier, as the issuer routes allow.
        const named = input.entityId ? await catalogRepo.getIssuer(org, input.entityId) : undefined;
        if (input.entityId && named?.id !== credential.issuer_id) {
          throw new ValidationError(`Credential "${input.credential}" is not issued by "${input.entityId}".`, {
            fieldErrors: { entityId: ["does not match the credential's issuer"] },
          });
        }
        target = { issuer_id: null, credential_id: credential.id };
      } else if (input.entityId || input.org) {
        // An issuer of another org is as unknown as one that does not exist.
        const ref = input.entityId ?? input.org!;
        const issuer =
          input.org && input.org !== org && !input.entityId ? undefined : await catalogRepo.getIssuer(org, ref);
        if (!issuer) throw new NotFoundError(`Issuer "${ref}" not found.`);
        target = { issuer_id: issuer.id, credential_id: null };
      } else {
        const primary = await catalogRepo.getIssuer(org, org);
        if (!primary) {
          const message = `Org "${org}" has no issuer to attach the signatory to: create one, or name a credential.`;
          throw new NotFoundError(message);
        }
        target = { issuer_id: primary.id, credential_id: null };
      }
      const row = await catalogRepo.insertSignatory({
        org,
        ...target,
        name: input.name,
        title: input.title,
        signature: input.signature,
      });
      // Certificates list the signatories: those they appear on render anew.
      await catalogRepo.bumpTemplateVersions(
        org,
        target.credential_id ? { credentialId: target.credential_id } : { issuerId: target.issuer_id! },
      );
      return { name: row.name, title: row.title, signature: row.signature };
    },
  };
}

export type SignatoryService = ReturnType<typeof signatoryService>;
