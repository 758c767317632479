/** The shipped templates directory (templates/: the default certificate, the verification page, public images). */
import { fileURLToPath } from 'node:url';

export const TEMPLATES_DIR = fileURLToPath(new URL('../templates/', import.meta.url));
