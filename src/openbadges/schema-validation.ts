import { readFileSync } from 'node:fs';
import { Ajv2019, type ErrorObject, type ValidateFunction } from 'ajv/dist/2019.js';
import addFormatsModule from 'ajv-formats';
import { hasFractionalSeconds } from './datetime.js';

export interface SchemaResult {
  valid: boolean;
  errors: string[];
}

export interface CredentialValidation extends SchemaResult {
  /** Per schema copy: `json` is the canonical tolerant one, `jsonld` the strict array-only one. */
  byCopy: { json: SchemaResult; jsonld: SchemaResult };
  /** Rules the schemas do not express but verifiers apply (OPEN-BADGES.md §2.1, §2.4, §8). */
  policy: string[];
}

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv2019,
) => Ajv2019;

const schemaDir = new URL('./schemas/', import.meta.url);

function loadSchema(relativePath: string): object {
  return JSON.parse(readFileSync(new URL(relativePath, schemaDir), 'utf8')) as object;
}

let compiled: { json: ValidateFunction; jsonld: ValidateFunction; profile: ValidateFunction } | undefined;

// Compiling ~240 KB of schema takes a while, so it happens once, on first use.
function validators() {
  if (!compiled) {
    // One Ajv per copy: the copies share $defs names and must not resolve into each other.
    const make = (path: string) => {
      const ajv = new Ajv2019({ strict: false, allErrors: true });
      addFormats(ajv);
      return ajv.compile(loadSchema(path));
    };
    compiled = {
      json: make('json/ob_v3p0_achievementcredential_schema.json'),
      jsonld: make('json-ld/ob_v3p0_achievementcredential_schema.json'),
      profile: make('json/ob_v3p0_profile_schema.json'),
    };
  }
  return compiled;
}

function formatErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
}

function run(validate: ValidateFunction, value: unknown): SchemaResult {
  const valid = validate(value) as boolean;
  return { valid, errors: valid ? [] : formatErrors(validate.errors) };
}

function policyErrors(cred: unknown): string[] {
  if (typeof cred !== 'object' || cred === null) return [];
  const c = cred as Record<string, unknown>;
  const errors: string[] = [];
  for (const key of ['validFrom', 'validUntil'] as const) {
    if (typeof c[key] === 'string' && hasFractionalSeconds(c[key])) {
      errors.push(
        `/${key} must be at whole seconds so that the JWT ${key === 'validFrom' ? 'nbf' : 'exp'} round-trips`,
      );
    }
  }
  if (
    typeof c.validFrom === 'string' &&
    typeof c.validUntil === 'string' &&
    Date.parse(c.validUntil) <= Date.parse(c.validFrom)
  ) {
    errors.push('/validUntil must be after validFrom');
  }
  for (const legacy of ['issuanceDate', 'expirationDate']) {
    if (legacy in c) errors.push(`/${legacy} is VCDM 1.1; use validFrom/validUntil`);
  }
  const subject = c.credentialSubject as Record<string, unknown> | undefined;
  if (
    subject &&
    typeof subject === 'object' &&
    !subject.id &&
    !(Array.isArray(subject.identifier) && subject.identifier.length)
  ) {
    errors.push('/credentialSubject needs an id or at least one identifier');
  }
  return errors;
}

export function validateAchievementCredential(cred: unknown): CredentialValidation {
  const v = validators();
  const json = run(v.json, cred);
  const jsonld = run(v.jsonld, cred);
  const policy = policyErrors(cred);
  const errors = [
    ...json.errors.map((e) => `[json] ${e}`),
    ...jsonld.errors.map((e) => `[json-ld] ${e}`),
    ...policy.map((e) => `[policy] ${e}`),
  ];
  return { valid: errors.length === 0, errors, byCopy: { json, jsonld }, policy };
}

export function validateProfile(profile: unknown): SchemaResult {
  return run(validators().profile, profile);
}
