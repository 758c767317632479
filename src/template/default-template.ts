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
