import { z, type ZodType } from 'zod';
import { NotFoundError } from '../errors.js';

/** Far beyond any real list, and small enough that page × page_size stays an exact SQL bigint. */
const INT_PARAM_MAX = 1_000_000_000_000;

/**
 * The pagination styles of the API. Query schemas reject nonsense (page=0, page=abc, limit=-1)
 * and clamp sizes above the maximum, which the response reports as `max_page_size`.
 */
const intParam = (name: string, min: number) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number`)
    .transform(Number)
    .refine((n) => n >= min, `${name} must be at least ${min}`)
    .refine((n) => n <= INT_PARAM_MAX, `${name} must be at most ${INT_PARAM_MAX}`);

export const PAGE_MAX = 100;
/** `page_size=0` (or empty) means "the default", as it does for the API this one descends from. */
export const pageQuery = z.object({
  page: intParam('page', 1).optional(),
  page_size: z.preprocess((v) => (v === '0' || v === '' ? undefined : v), intParam('page_size', 1).optional()),
});

export interface PageRequest {
  page: number;
  pageSize: number;
  offset: number;
}

export function pageRequest(q: { page?: number; page_size?: number }, defaultSize = 10, max = PAGE_MAX): PageRequest {
  const page = q.page ?? 1;
  const pageSize = Math.min(q.page_size ?? defaultSize, max);
  return { page, pageSize, offset: (page - 1) * pageSize };
}

function withParams(url: string, params: Record<string, number | undefined>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) u.searchParams.delete(k);
    else u.searchParams.set(k, String(v));
  }
  return u.toString();
}

/** `{next, previous, count, data, num_pages, page_number, max_page_size}` with absolute URLs. */
export function pageNumberPage<T>(requestUrl: string, req: PageRequest, count: number, data: T[], max = PAGE_MAX) {
  const numPages = Math.max(1, Math.ceil(count / req.pageSize));
  // As Django REST framework (which this API descends from) answers a page past the end.
  if (req.page > numPages) throw new NotFoundError('Invalid page.');
  return {
    next: req.page < numPages ? withParams(requestUrl, { page: req.page + 1 }) : null,
    previous: req.page > 1 ? withParams(requestUrl, { page: req.page - 1 === 1 ? undefined : req.page - 1 }) : null,
    count,
    data,
    num_pages: numPages,
    page_number: req.page,
    max_page_size: max,
  };
}

/** The documented shape of a page-number (or limit/offset) page of `item`. */
export function pageSchema<T extends ZodType>(item: T) {
  return z.object({
    next: z.string().nullable(),
    previous: z.string().nullable(),
    count: z.number().int(),
    num_pages: z.number().int(),
    page_number: z.number().int(),
    max_page_size: z.number().int(),
    data: z.array(item),
  });
}

export const LIMIT_MAX = 1000;
export const limitOffsetQuery = z.object({
  limit: intParam('limit', 1).optional(),
  offset: intParam('offset', 0).optional(),
});

export interface LimitRequest {
  limit: number;
  offset: number;
}

export function limitRequest(q: { limit?: number; offset?: number }, defaultLimit = 50, max = LIMIT_MAX): LimitRequest {
  return { limit: Math.min(q.limit ?? defaultLimit, max), offset: q.offset ?? 0 };
}

/** The issuers list: the page-number envelope, addressed by limit/offset. */
export function limitOffsetPage<T>(requestUrl: string, req: LimitRequest, count: number, data: T[], max = LIMIT_MAX) {
  const next =
    req.offset + req.limit < count
      ? withParams(requestUrl, { limit: req.limit, offset: req.offset + req.limit })
      : null;
  const previous =
    req.offset > 0 ? withParams(requestUrl, { limit: req.limit, offset: Math.max(0, req.offset - req.limit) }) : null;
  return {
    next,
    previous,
    count,
    data,
    num_pages: Math.max(1, Math.ceil(count / req.limit)),
    page_number: Math.floor(req.offset / req.limit) + 1,
    max_page_size: max,
  };
}

export const CREDLY_PER_MAX = 100;
export const credlyQuery = z.object({
  page: intParam('page', 1).optional(),
  per: intParam('per', 1).optional(),
});

/** Credly's `{data, metadata:{count,current_page,total_count,total_pages,per,previous_page_url,next_page_url}}`. */
export function credlyPage<T>(requestUrl: string, req: PageRequest, totalCount: number, data: T[]) {
  const totalPages = Math.max(1, Math.ceil(totalCount / req.pageSize));
  return {
    data,
    metadata: {
      count: data.length,
      current_page: req.page,
      total_count: totalCount,
      total_pages: totalPages,
      per: req.pageSize,
      previous_page_url: req.page > 1 ? withParams(requestUrl, { page: req.page - 1, per: req.pageSize }) : null,
      next_page_url: req.page < totalPages ? withParams(requestUrl, { page: req.page + 1, per: req.pageSize }) : null,
    },
  };
}

/** The documented shape of a Credly page of `item`. */
export function credlyPageSchema<T extends ZodType>(item: T) {
  return z.object({
    data: z.array(item),
    metadata: z.object({
      count: z.number().int(),
      current_page: z.number().int(),
      total_count: z.number().int(),
      total_pages: z.number().int(),
      per: z.number().int(),
      previous_page_url: z.string().nullable(),
      next_page_url: z.string().nullable(),
    }),
  });
}
