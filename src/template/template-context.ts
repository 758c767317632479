/**
 * The template context: the merge tags a certificate template may use, their TypeScript type, and
 * the builder that turns issuance data into a context (formats dates, makes the QR code).
 *
 * The tag tree below is the single source of truth: the write-time checks (template-check.ts), the
 * exported tag list and the README table (templates/TEMPLATE-TAGS.md) all derive from it.
 */
import QRCode from 'qrcode';
import { isolateBidi } from './bidi-text.js';

/** A node of the merge-tag tree. */
export type TagNode =
  | { kind: 'scalar'; description: string; example: string }
  | { kind: 'object'; description: string; children: Record<string, TagNode> }
  | { kind: 'list'; description: string; item: TagNode }
  /** free-form string map (custom fields): any key, scalar values */
  | { kind: 'map'; description: string; example: string };

const s = (description: string, example: string): TagNode => ({ kind: 'scalar', description, example });

/** The root of the merge-tag tree (keys are the top-level tags). */
export const TAG_TREE: Record<string, TagNode> = {
  recipient: {
    kind: 'object',
    description: 'The person the credential is issued to.',
    children: {
      name: s(
        'Recipient full name; without one, a user id that is not an email, else "Recipient" (certificates are public: the email shows only as recipient.email)',
        'Ada Lovelace',
      ),
      email: s('Recipient e-mail address', 'ada@example.org'),
      user_id: s('Recipient user id in your platform', 'u-1842'),
    },
  },
  credential: {
    kind: 'object',
    description: 'The credential (badge class) being awarded.',
    children: {
      name: s('Credential name', 'Advanced Data Analysis'),
      description: s('Credential description', 'Awarded for completing…'),
      criteria_text: s('Criteria, as text', 'Pass all four modules with 70 % or more.'),
      criteria_url: s('Criteria page URL', 'https://example.org/criteria/ada'),
      image: s('Badge image URL (served by this service)', '/api/credentials/public/images/…/badge.png'),
      course: s('Course name', 'DATA-301'),
      program: s('Program name', 'Data Science Certificate'),
      fields: {
        kind: 'list',
        description: 'Custom fields of this award, in order (name, label, value)',
        item: {
          kind: 'object',
          description: 'One custom field',
          children: {
            name: s('Field key', 'grade'),
            label: s('Field label', 'Final grade'),
            value: s('Field value', 'A'),
          },
        },
      },
    },
  },
  issuer: {
    kind: 'object',
    description: 'The issuing organization.',
    children: {
      name: s('Issuer name', 'Example University'),
      url: s('Issuer website URL', 'https://example.edu'),
      email: s('Issuer contact e-mail', 'registrar@example.edu'),
      image: s('Issuer logo URL (served by this service)', '/api/credentials/public/images/…/logo.png'),
    },
  },
  issued_on: s('Issue date, formatted for the locale (long style, UTC)', 'November 24, 2026'),
  expires: s('Expiry date, formatted; empty when the credential does not expire', 'November 24, 2029'),
  issued_on_iso: s('Issue date-time, ISO 8601 (for `formatDate`)', '2026-11-24T09:30:00.000Z'),
  expires_iso: s('Expiry date-time, ISO 8601; empty when none', '2029-11-24T00:00:00.000Z'),
  signatories: {
    kind: 'list',
    description: 'People signing the certificate (name, title, signature_image)',
    item: {
      kind: 'object',
      description: 'One signatory',
      children: {
        name: s('Signatory name', 'Dr. Grace Hopper'),
        title: s('Signatory title', 'Dean of Engineering'),
        signature_image: s('Signature image URL (served by this service)', '/api/credentials/public/images/…/sig.png'),
      },
    },
  },
  verification_url: s(
    'Public verification page of this award',
    'https://badges.example.edu/api/credentials/public/assertions/…/',
  ),
  qr_code: s(
    'QR code of verification_url, an SVG data: URL: use it as an image source, `<img src="{{qr_code}}">`',
    'data:image/svg+xml;base64,…',
  ),
  assertion_id: s('Id of this award (assertion)', '5b0c6a7e-…'),
  fields: {
    kind: 'map',
    description: 'Custom field values by key, e.g. `{{fields.grade}}`',
    example: 'A',
  },
};

export interface TemplateTagInfo {
  /** canonical tag name as used in `allowed_template_tags`, e.g. `recipient.name`, `signatories.title`, `fields.*` */
  tag: string;
  kind: TagNode['kind'];
  description: string;
  example?: string;
  /** for tags of list items: the list tag (used inside {{#each <list>}}) */
  within?: string;
}

function flatten(prefix: string, node: TagNode, out: TemplateTagInfo[], within?: string): void {
  switch (node.kind) {
    case 'scalar':
      out.push({
        tag: prefix,
        kind: 'scalar',
        description: node.description,
        example: node.example,
        ...(within ? { within } : {}),
      });
      return;
    case 'map':
      out.push({ tag: `${prefix}.*`, kind: 'map', description: node.description, example: node.example });
      return;
    case 'object':
      for (const [k, child] of Object.entries(node.children)) flatten(`${prefix}.${k}`, child, out, within);
      return;
    case 'list':
      out.push({ tag: prefix, kind: 'list', description: node.description });
      flatten(prefix, node.item, out, prefix);
      return;
  }
}

/** Every merge tag, flattened (objects expanded; lists listed, then their item tags). */
export const TEMPLATE_TAGS: readonly TemplateTagInfo[] = (() => {
  const out: TemplateTagInfo[] = [];
  for (const [k, node] of Object.entries(TAG_TREE)) {
    if (node.kind === 'object') flatten(k, node, out);
    else flatten(k, node, out);
  }
  // a list's item tags were flattened under the list's own prefix; drop the duplicate object rows
  return out.filter((t, i) => out.findIndex((u) => u.tag === t.tag) === i);
})();

/** The canonical tag names (what `allowed_template_tags` may contain, plus any ancestor such as `recipient`). */
export const TEMPLATE_TAG_NAMES: readonly string[] = TEMPLATE_TAGS.map((t) => t.tag);

/**
 * Whether `tag` is a name an issuer may put in `allowed_template_tags` (a tag, an ancestor of tags,
 * or `fields.<key>`).
 */
export function isKnownTemplateTag(tag: string): boolean {
  if (TEMPLATE_TAG_NAMES.includes(tag)) return true;
  if (/^fields\.[^.\s]+$/.test(tag) || tag === 'fields') return true;
  return TEMPLATE_TAG_NAMES.some((t) => t.startsWith(`${tag}.`));
}

// ---------------------------------------------------------------------------------------------
// The context type

export interface TemplateSignatory {
  name: string;
  title: string;
  signature_image: string;
}
export interface TemplateCustomField {
  name: string;
  label: string;
  value: string;
}

/**
 * What a template is rendered with. All values are strings (empty when unknown) so templates can
 * test them with {{#if}}.
 */
export interface TemplateContext {
  recipient: { name: string; email: string; user_id: string };
  credential: {
    name: string;
    description: string;
    criteria_text: string;
    criteria_url: string;
    image: string;
    course: string;
    program: string;
    fields: TemplateCustomField[];
  };
  issuer: { name: string; url: string; email: string; image: string };
  issued_on: string;
  expires: string;
  issued_on_iso: string;
  expires_iso: string;
  signatories: TemplateSignatory[];
  verification_url: string;
  qr_code: string;
  assertion_id: string;
  fields: Record<string, string>;
}

export interface TemplateContextInput {
  recipient: { name: string; email?: string | null; user_id?: string | null };
  credential: {
    name: string;
    description?: string | null;
    criteria_text?: string | null;
    criteria_url?: string | null;
    image?: string | null;
    course?: string | null;
    program?: string | null;
  };
  issuer: { name: string; url?: string | null; email?: string | null; image?: string | null };
  issuedOn: Date | string;
  expires?: Date | string | null;
  signatories?: Array<{ name: string; title?: string | null; signature_image?: string | null }>;
  verificationUrl: string;
  assertionId: string;
  /** custom field values by key */
  fields?: Record<string, string | number | boolean | null | undefined>;
  /** optional labels for custom fields (key -> label); the key is used when missing */
  fieldLabels?: Record<string, string>;
  /** BCP 47 locale for issued_on / expires, default en-US */
  locale?: string;
  /** IANA time zone for issued_on / expires, default UTC */
  timeZone?: string;
}

const dateFormatters = new Map<string, Intl.DateTimeFormat>();
/** A cached Intl.DateTimeFormat (creating one per render costs ~10x the render itself). */
export function dateFormatter(
  locale: string,
  style: 'long' | 'medium' | 'short' | 'full',
  timeZone = 'UTC',
): Intl.DateTimeFormat {
  const key = `${locale}|${style}|${timeZone}`;
  let f = dateFormatters.get(key);
  if (!f) {
    let safeLocale = 'en-US';
    try {
      safeLocale = Intl.DateTimeFormat.supportedLocalesOf([locale])[0] ?? 'en-US';
    } catch {
      /* invalid tag: fall back */
    }
    f = new Intl.DateTimeFormat(safeLocale, { dateStyle: style, timeZone });
    dateFormatters.set(key, f);
  }
  return f;
}

function toDate(v: Date | string | null | undefined): Date | null {
  if (v === null || v === undefined || v === '') return null;
  const d = v instanceof Date ? v : new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

/** The QR code of `url` as an SVG data: URL (vector, so it stays sharp in the PDF). */
export async function makeQrDataUrl(url: string): Promise<string> {
  const svg = await QRCode.toString(url, {
    type: 'svg',
    errorCorrectionLevel: 'M',
    margin: 1,
    color: { dark: '#000000', light: '#ffffff' },
  });
  return `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;
}

/**
 * Builds the render context from issuance data: formats dates, generates the QR code. Names are
 * bidi-isolated (bidi-text.ts): a U+202E in a recipient name reverses only the name, never the
 * text the template puts around it.
 */
export async function buildTemplateContext(input: TemplateContextInput): Promise<TemplateContext> {
  const locale = input.locale ?? 'en-US';
  const tz = input.timeZone ?? 'UTC';
  const issued = toDate(input.issuedOn);
  const expires = toDate(input.expires ?? null);
  const fmt = dateFormatter(locale, 'long', tz);
  const fields: Record<string, string> = {};
  const fieldList: TemplateCustomField[] = [];
  for (const [k, v] of Object.entries(input.fields ?? {})) {
    if (v === undefined) continue;
    fields[k] = str(v);
    fieldList.push({ name: k, label: input.fieldLabels?.[k] ?? k, value: str(v) });
  }
  return {
    recipient: {
      name: isolateBidi(str(input.recipient.name)),
      email: str(input.recipient.email),
      user_id: str(input.recipient.user_id),
    },
    credential: {
      name: isolateBidi(str(input.credential.name)),
      description: str(input.credential.description),
      criteria_text: str(input.credential.criteria_text),
      criteria_url: str(input.credential.criteria_url),
      image: str(input.credential.image),
      course: str(input.credential.course),
      program: str(input.credential.program),
      fields: fieldList,
    },
    issuer: {
      name: isolateBidi(str(input.issuer.name)),
      url: str(input.issuer.url),
      email: str(input.issuer.email),
      image: str(input.issuer.image),
    },
    issued_on: issued ? fmt.format(issued) : '',
    expires: expires ? fmt.format(expires) : '',
    issued_on_iso: issued ? issued.toISOString() : '',
    expires_iso: expires ? expires.toISOString() : '',
    signatories: (input.signatories ?? []).map((g) => ({
      name: isolateBidi(str(g.name)),
      title: isolateBidi(str(g.title)),
      signature_image: str(g.signature_image),
    })),
    verification_url: input.verificationUrl,
    qr_code: await makeQrDataUrl(input.verificationUrl),
    assertion_id: input.assertionId,
    fields,
  };
}

/** How a template writes a tag: `{{recipient.name}}`, `{{#each signatories}}{{title}}{{/each}}`, … */
export function templateTagUse(t: TemplateTagInfo): string {
  if (t.kind === 'list') return `{{#each ${t.tag}}}…{{/each}}`;
  if (t.kind === 'map') return `{{${t.tag.replace('*', 'KEY')}}}`;
  if (t.within) return `{{#each ${t.within}}}{{${t.tag.slice(t.within.length + 1)}}}{{/each}}`;
  return `{{${t.tag}}}`;
}

/** A Markdown table of all merge tags (the source of templates/TEMPLATE-TAGS.md). */
export function templateTagsMarkdown(): string {
  const rows = TEMPLATE_TAGS.map((t) => {
    const use = `\`${templateTagUse(t)}\``;
    const esc = (x: string) => x.replace(/\|/g, '\\|');
    return `| \`${t.tag}\` | ${use} | ${esc(t.description)} | ${t.example ? esc(t.example) : ''} |`;
  });
  return ['| tag (for `allowed_template_tags`) | use | meaning | example |', '|---|---|---|---|', ...rows].join('\n');
}
