import type { Db } from '../db/database.js';
import type { Principal } from '../auth/principal.js';
import type { IssuerKeyService } from '../issuers/issuer-keys.js';
import {
  catalogRepository,
  type IssuerRow,
  type IssuerValues,
  type CatalogRepository,
} from '../db/catalog-repository.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { newEntityId } from '../ids.js';
import { isKnownTemplateTag } from '../template/template-context.js';
import { assertCatalogWriter } from './catalog-access.js';
import { toIssuerObject, type IssuerObject } from './catalog-objects.js';
import type { TemplateChecker } from './credential-templates.js';

/**
 * Issuers of an org. Creating one creates its signing key in the same transaction; deleting one
 * retires it (hidden, refuses new credentials, keys stay published) so that everything it issued
 * keeps verifying.
 */
export interface IssuerInput extends Partial<IssuerValues> {
  signing_alg?: 'ES256' | 'RS256';
}

export interface IssuerServiceDeps {
  db: Db;
  catalogRepo: CatalogRepository;
  issuerKeys: IssuerKeyService;
  checkTemplates: TemplateChecker;
}

export function issuerService(deps: IssuerServiceDeps) {
  const { db, catalogRepo } = deps;

  async function toObjects(rows: IssuerRow[]): Promise<IssuerObject[]> {
    const sigs = await catalogRepo.listIssuerSignatories(rows.map((r) => r.id));
    return rows.map((r) => toIssuerObject(r, sigs.get(r.id) ?? []));
  }

  async function requireIssuer(org: string, issuerId: string): Promise<IssuerRow> {
    const row = await catalogRepo.getIssuer(org, issuerId);
    if (!row) throw new NotFoundError(`Issuer "${issuerId}" not found.`);
    return row;
  }

  function assertKnownTags(tags: string[] | null | undefined): void {
    const unknown = (tags ?? []).filter((t) => !isKnownTemplateTag(t));
    if (unknown.length) {
      throw new ValidationError(`Unknown merge tags in allowed_template_tags: ${unknown.join(', ')}.`, {
        fieldErrors: { allowed_template_tags: unknown.map((t) => `unknown merge tag "${t}"`) },
      });
    }
  }

  /** Narrowing the tags must not break templates already written against the issuer. */
  async function assertTemplatesStillValid(org: string, issuer: IssuerRow, tags: string[] | null): Promise<void> {
    const errors: string[] = [];
    for (const c of await catalogRepo.listTemplatedCredentialsOfIssuer(org, issuer.id)) {
      try {
        deps.checkTemplates({ html: c.html_template, css: c.css_template, allowedTags: tags, org: c.org });
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        for (const v of e.validationErrors ?? [e.message]) errors.push(`credential ${c.id}: ${v}`);
      }
    }
    if (errors.length) {
      throw new ValidationError(`allowed_template_tags would break existing credential templates: ${errors[0]}`, {
        fieldErrors: { allowed_template_tags: errors },
        validationErrors: errors,
      });
    }
  }

  return {
    async list(p: Principal, org: string, page: { q?: string; limit: number; offset: number }) {
      void p; // every member of the org reads its issuers
      const { count, rows } = await catalogRepo.listIssuers(org, page);
      return { count, data: await toObjects(rows) };
    },

    async get(p: Principal, org: string, issuerId: string): Promise<IssuerObject> {
      void p;
      return (await toObjects([await requireIssuer(org, issuerId)]))[0];
    },

    async create(p: Principal, org: string, input: IssuerInput & { name: string }): Promise<IssuerObject> {
      assertCatalogWriter(p, org);
      assertKnownTags(input.allowed_template_tags);
      const alg = input.signing_alg ?? 'ES256';
      const row = await db.transaction().execute(async (trx) => {
        const issuer = await catalogRepository(trx).insertIssuer({
          id: newEntityId(),
          org,
          signing_alg: alg,
          name: input.name,
          description: input.description ?? null,
          icon_image: input.icon_image ?? null,
          email: input.email ?? null,
          url: input.url ?? null,
          allowed_template_tags: input.allowed_template_tags ?? null,
          // Absent: the table's defaults (did:web, both proofs).
          ...(input.did_method && { did_method: input.did_method }),
          ...(input.proof_formats && { proof_formats: input.proof_formats }),
        });
        await deps.issuerKeys.createKey(trx, issuer.id, alg);
        return issuer;
      });
      return (await toObjects([row]))[0];
    },

    async update(p: Principal, org: string, issuerId: string, input: Partial<IssuerValues>): Promise<IssuerObject> {
      assertCatalogWriter(p, org);
      const current = await requireIssuer(org, issuerId);
      if (input.allowed_template_tags !== undefined) {
        assertKnownTags(input.allowed_template_tags);
        await assertTemplatesStillValid(org, current, input.allowed_template_tags);
      }
      const row = await catalogRepo.updateIssuer(org, current.id, input);
      if (!row) throw new NotFoundError(`Issuer "${issuerId}" not found.`);
      // Certificates show the issuer's name, logo and links: its credentials render anew.
      await catalogRepo.bumpTemplateVersions(org, { issuerId: current.id });
      return (await toObjects([row]))[0];
    },

    /** Retires the issuer: see the module comment. */
    async remove(p: Principal, org: string, issuerId: string): Promise<void> {
      assertCatalogWriter(p, org);
      const current = await requireIssuer(org, issuerId);
      if (!(await catalogRepo.retireIssuer(org, current.id)))
        throw new NotFoundError(`Issuer "${issuerId}" not found.`);
    },
  };
}

export type IssuerService = ReturnType<typeof issuerService>;
