/**
 * Where an assertion's rendered files live and how they are named: pure, shared by the render
 * worker (writes them) and the public routes (serve them).
 *
 * Keys carry the credential's template_version, so a template change makes the next request miss
 * and render again; files of older versions are simply never read again.
 */
import { RENDER_PRIORITY, type RenderFileName } from './render-jobs.js';

export type { RenderFileName };

export const RENDER_FILE_TYPES: Record<RenderFileName, string> = {
  'certificate.pdf': 'application/pdf',
  'certificate.png': 'image/png',
  'badge.png': 'image/png',
  'badge.svg': 'image/svg+xml',
};

const RENDER_FILE_NAMES = Object.keys(RENDER_FILE_TYPES) as RenderFileName[];

/** What a render job produces when it is not told (the PNG of a bulk follows on first request). */
export const DEFAULT_JOB_FILES: readonly RenderFileName[] = ['certificate.pdf', 'badge.png'];

export function renderKey(org: string, assertionId: string, templateVersion: number, file: RenderFileName): string {
  return `renders/${org}/${assertionId}/v${templateVersion}/${file}`;
}

/**
 * The files a render job writes: those it names; else the PDF and the badge, plus the PNG for a
 * single issue (a person waits on it; a bulk's PNG follows on first request). `queuedPriority` is
 * the priority the job was queued with (`job.opts.priority`, which a later `changePriority` leaves
 * alone): a download raising a queued job's priority does not change what it renders.
 */
export function renderJobFiles(
  files: readonly RenderFileName[] | undefined,
  queuedPriority: number | undefined,
): readonly RenderFileName[] {
  if (files) return files;
  return queuedPriority === RENDER_PRIORITY.single
    ? RENDER_FILE_NAMES.filter((f) => f !== 'badge.svg')
    : DEFAULT_JOB_FILES;
}

/** The file a job must produce for `file`: the SVG badge is a by-product of the PNG one. */
export function jobFileFor(file: RenderFileName): RenderFileName {
  return file === 'badge.svg' ? 'badge.png' : file;
}

/** An ASCII-only, header-safe slug ("Ada Lovelace" → "ada-lovelace"). */
export function fileSlug(text: string | null | undefined, fallback: string): string {
  const slug = (text ?? '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/g, '');
  return slug || fallback;
}

/** `Content-Disposition` filename of a rendered file: `<credential>-<recipient>.<ext>`. */
export function downloadName(
  credentialName: string,
  recipientName: string | null | undefined,
  file: RenderFileName,
): string {
  const ext = file.slice(file.lastIndexOf('.'));
  const kind = file.startsWith('badge') ? '-badge' : '';
  return `${fileSlug(credentialName, 'credential')}-${fileSlug(recipientName, 'recipient')}${kind}${ext}`;
}
