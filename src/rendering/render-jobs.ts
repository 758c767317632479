import type { JobOwner } from '../queue/queues.js';

/** The job that renders an assertion's files after issuing: one per assertion (a retry's enqueue is a no-op). */
export const renderJobId = (assertionId: string): string => `render-${assertionId}`;

/** The re-render of an assertion at a template version: asking again at that version is a no-op. */
export const rerenderJobId = (assertionId: string, templateVersion: number): string =>
  `rerender-${assertionId}-v${templateVersion}`;

/** The files rendered per assertion (src/rendering/render-service.ts). */
export type RenderFileName = 'certificate.pdf' | 'certificate.png' | 'badge.png' | 'badge.svg';

/**
 * Render the certificate PDF/PNG and baked badge of an assertion, at its credential's current
 * template version. `files` absent: the PDF and the badge (plus the PNG for a single issue).
 */
export interface RenderJob {
  name: 'render';
  data: JobOwner & {
    assertionId: string;
    files?: RenderFileName[];
    /**
     * Queued for keys nothing else writes yet (a fresh issue, a new template version): the first
     * try renders without asking the store what exists; retries ask (render-processor.ts).
     */
    fresh?: boolean;
  };
  result: unknown;
}

/**
 * BullMQ priorities (1 is the highest): a single issue is waited on by a person, a bulk is not;
 * a download waiting on its file is a person too; re-renders after a template change go last.
 */
export const RENDER_PRIORITY = { single: 1, bulk: 10, onDemand: 1, rerender: 20 } as const;
