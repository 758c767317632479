import { isDeepStrictEqual } from 'node:util';
import type { Principal } from '../auth/principal.js';
import type { CredentialRow, CredentialValues, IssuerRow, CatalogRepository } from '../db/catalog-repository.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { newEntityId } from '../ids.js';
import { assertCatalogWriter, seesNonPublicCredentials } from './catalog-access.js';
import { toCredentialObject, type CredentialObject } from './catalog-objects.js';
import type { TemplateChecker } from './credential-templates.js';

/**
 * Credentials (badge classes). Templates are checked against the issuer's allowed tags whenever
 * they, or the issuer, change; `template_version` goes up whenever an update changes anything
 * (rendered files are keyed by it, so they follow name, image and template changes alike).
 * Deleting is soft: issued assertions keep their credential.
 */
export type CredentialInput = Partial<CredentialValues> & { issuer?: string };

export interface CredentialServiceDeps {
  catalogRepo: CatalogRepository;
  checkTemplates: TemplateChecker;
  /** 404 for an unknown org. */
  requireOrg: (org: string) => Promise<unknown>;
}

const DEFAULTS: CredentialValues = {
  name: '',
  description: '',
  credential_type: null,
  html_template: null,
  css_template: null,
  icon_image: null,
  background_image: null,
  thumbnail_image: null,
  criteria_url: null,
  criteria_text: null,
  issuing_signal: null,
  course: null,
  program: null,
  is_public: true,
  validity_days: null,
  tags: [],
  alignment: [],
  skills: [],
};

export function credentialService(deps: CredentialServiceDeps) {
  const { catalogRepo } = deps;

  async function toObjects(rows: CredentialRow[]): Promise<CredentialObject[]> {
    const sigs = await catalogRepo.listSignatoriesOfCredentials(rows);
    return rows.map((r) => toCredentialObject(r, sigs.get(r.id) ?? []));
  }

  async function issuerFor(org: string, issuerId: string): Promise<IssuerRow> {
    const issuer = await catalogRepo.getIssuer(org, issuerId);
    if (!issuer) {
      throw new ValidationError(`Unknown issuer "${issuerId}" in org "${org}".`, {
        fieldErrors: { issuer: [`no live issuer "${issuerId}" in this org`] },
      });
    }
    return issuer;
  }

  /** `platform_org` takes precedence over the path's org, but must still be the caller's org. */
  async function effectiveOrg(p: Principal, pathOrg: string, platformOrg: string | undefined): Promise<string> {
    if (platformOrg === undefined || platformOrg === pathOrg) return pathOrg;
    await deps.requireOrg(platformOrg);
    if (p.org !== platformOrg) throw new ForbiddenError(`You do not belong to org "${platformOrg}".`);
    return platformOrg;
  }

  async function requireCredential(p: Principal, org: string, id: string): Promise<CredentialRow> {
    const row = await catalogRepo.getCredential(org, id);
    // A credential a student may not see does not exist for them.
    if (!row || (!row.is_public && !seesNonPublicCredentials(p, org)))
      throw new NotFoundError(`Credential "${id}" not found.`);
    return row;
  }

  return {
    effectiveOrg,

    async list(
      p: Principal,
      org: string,
      filter: { search?: string; course?: string; program?: string },
      page: { limit: number; offset: number },
    ): Promise<{ count: number; data: CredentialObject[] }> {
      const { count, rows } = await catalogRepo.listCredentials(
        org,
        { ...filter, publicOnly: !seesNonPublicCredentials(p, org) },
        page,
      );
      return { count, data: await toObjects(rows) };
    },

    async get(p: Principal, org: string, id: string): Promise<CredentialObject> {
      return (await toObjects([await requireCredential(p, org, id)]))[0];
    },

    async create(
      p: Principal,
      org: string,
      input: CredentialInput & { name: string; issuer: string },
    ): Promise<CredentialObject> {
      assertCatalogWriter(p, org);
      const issuer = await issuerFor(org, input.issuer);
      const { issuer: _issuer, ...fields } = input;
      const values: CredentialValues = { ...DEFAULTS, ...stripUndefined(fields) };
      deps.checkTemplates({
        html: values.html_template,
        css: values.css_template,
        allowedTags: issuer.allowed_template_tags,
        org,
      });
      const row = await catalogRepo.insertCredential({
        ...values,
        id: newEntityId(),
        org,
        issuer_id: issuer.id,
      });
      return (await toObjects([row]))[0];
    },

    async update(p: Principal, org: string, id: string, input: CredentialInput): Promise<CredentialObject> {
      assertCatalogWriter(p, org);
      const current = await requireCredential(p, org, id);
      const { issuer: issuerId, ...fields } = input;
      const patch: Partial<CredentialValues> & { issuer_id?: string } = stripUndefined(fields);
      let issuer: IssuerRow | undefined;
      if (issuerId !== undefined) {
        issuer = await issuerFor(org, issuerId);
        patch.issuer_id = issuer.id;
      } else {
        // A retired issuer's credentials may still be edited; its tags still apply.
        issuer = await catalogRepo.getIssuerById(current.issuer_id);
      }
      const html = patch.html_template !== undefined ? patch.html_template : current.html_template;
      const css = patch.css_template !== undefined ? patch.css_template : current.css_template;
      const templatesChanged = html !== current.html_template || css !== current.css_template;
      if (templatesChanged || patch.issuer_id !== undefined) {
        deps.checkTemplates({ html, css, allowedTags: issuer?.allowed_template_tags, org });
      }
      // Any change a certificate or badge may show (name, images, criteria, issuer…) makes the rendered files stale.
      const changed = Object.entries(patch).some(
        ([k, v]) => !isDeepStrictEqual(v, (current as Record<string, unknown>)[k]),
      );
      const row = await catalogRepo.updateCredential(org, current.id, patch, changed);
      if (!row) throw new NotFoundError(`Credential "${id}" not found.`);
      return (await toObjects([row]))[0];
    },

    async remove(p: Principal, org: string, id: string): Promise<void> {
      assertCatalogWriter(p, org);
      if (!(await catalogRepo.softDeleteCredential(org, id))) throw new NotFoundError(`Credential "${id}" not found.`);
    },

    async listByCourse(
      p: Principal,
      org: string,
      search: string | undefined,
      page: { limit: number; offset: number },
    ): Promise<{ count: number; data: { course: string; credentials: CredentialObject[] }[] }> {
      const { count, groups } = await catalogRepo.listCourseCredentials(
        org,
        { search, publicOnly: !seesNonPublicCredentials(p, org) },
        page,
      );
      const objects = await toObjects(groups.flatMap((g) => g.credentials));
      const byId = new Map(objects.map((o) => [o.entityId, o]));
      return {
        count,
        data: groups.map((g) => ({ course: g.course, credentials: g.credentials.map((c) => byId.get(c.id)!) })),
      };
    },
  };
}

function stripUndefined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as never;
}

export type CredentialService = ReturnType<typeof credentialService>;
