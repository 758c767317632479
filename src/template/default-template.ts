/** The default certificate template shipped in templates/certificate.{html,css}. */
import { readFileSync } from 'node:fs';
import { TEMPLATES_DIR } from '../templates-dir.js';

let cached: { htmlTemplate: string; cssTemplate: string } | null = null;

/** `{ htmlTemplate, cssTemplate }` of the default certificate (read once). */
export function defaultCertificateTemplate(): { htmlTemplate: string; cssTemplate: string } {
  cached ??= {
    htmlTemplate: readFileSync(`${TEMPLATES_DIR}certificate.html`, 'utf8'),
    cssTemplate: readFileSync(`${TEMPLATES_DIR}certificate.css`, 'utf8'),
  };
  return cached;
}

/**
 * CSS that stacks certificates of the default template one per page in one print
 * (src/rendering/certificate-batches.ts). It holds for this template only, and why: everything the
 * template draws is inside its `.certificate`, a box of exactly one page that is `position:
 * relative` and `overflow: hidden`, so whatever a recipient's data does is drawn within its own
 * page; nothing is positioned against the page (no `fixed`, no `vh`) or styled by its place among
 * siblings. Only the sheet-sized html/body are let grow. A batch's pages match the certificates
 * printed alone, pixel for pixel and font for font (test/integration/rendering/certificate-batches.test.ts).
 */
export const DEFAULT_TEMPLATE_STACK_CSS =
  'html, body { height: auto !important; overflow: visible !important; } .certificate { break-after: page; }';

/** The stacking CSS of a template: the default template's when it is that template, else none. */
export function stackCssOf(template: { htmlTemplate: string; cssTemplate: string }): string | undefined {
  const d = defaultCertificateTemplate();
  return template.htmlTemplate === d.htmlTemplate && template.cssTemplate === d.cssTemplate
    ? DEFAULT_TEMPLATE_STACK_CSS
    : undefined;
}
