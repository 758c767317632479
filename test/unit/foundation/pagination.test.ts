import { describe, expect, it } from 'vitest';
import {
  credlyPage,
  limitOffsetPage,
  limitRequest,
  pageNumberPage,
  pageQuery,
  pageRequest,
} from '../../../src/http/pagination.js';
import { NotFoundError } from '../../../src/errors.js';

const URL_ = 'https://b.example/api/x?search=a';

describe('page-number pagination', () => {
  it('an empty result is one empty page', () => {
    expect(pageNumberPage(URL_, pageRequest({}), 0, [])).toEqual({
      next: null,
      previous: null,
      count: 0,
      data: [],
      num_pages: 1,
      page_number: 1,
      max_page_size: 100,
    });
  });
  it('links keep other query parameters and drop page=1', () => {
    const p = pageNumberPage(URL_ + '&page=2', pageRequest({ page: 2, page_size: 10 }), 35, []);
    expect(p.next).toBe('https://b.example/api/x?search=a&page=3');
    expect(p.previous).toBe('https://b.example/api/x?search=a');
    expect(p.num_pages).toBe(4);
  });
  it('clamps page_size to the maximum and refuses a page past the end', () => {
    expect(pageRequest({ page_size: 1000 }).pageSize).toBe(100);
    expect(() => pageNumberPage(URL_, pageRequest({ page: 3 }), 15, [])).toThrow(NotFoundError);
  });
  it('rejects zero, negative, fractional and non-numeric values', () => {
    for (const q of [{ page: '0' }, { page: 'abc' }, { page_size: '-1' }, { page: '1.5' }]) {
      expect(pageQuery.safeParse(q).success).toBe(false);
    }
    expect(pageQuery.parse({ page: '2', page_size: '5' })).toEqual({ page: 2, page_size: 5 });
  });
});

describe('limit/offset and Credly pagination', () => {
  it('limit/offset reports pages in the page-number envelope', () => {
    const p = limitOffsetPage(URL_, limitRequest({ limit: 10, offset: 10 }), 25, []);
    expect(p).toMatchObject({ page_number: 2, num_pages: 3, max_page_size: 1000 });
    expect(p.next).toBe('https://b.example/api/x?search=a&limit=10&offset=20');
    expect(p.previous).toBe('https://b.example/api/x?search=a&limit=10&offset=0');
    expect(limitRequest({ limit: 5000 }).limit).toBe(1000);
    expect(limitRequest({})).toEqual({ limit: 50, offset: 0 });
  });
  it('Credly metadata', () => {
    const p = credlyPage('https://b.example/api/organizations/a/issuers', pageRequest({ page: 1 }, 50), 120, [1, 2]);
    expect(p.metadata).toEqual({
      count: 2,
      current_page: 1,
      total_count: 120,
      total_pages: 3,
      per: 50,
      previous_page_url: null,
      next_page_url: 'https://b.example/api/organizations/a/issuers?page=2&per=50',
    });
  });
});
