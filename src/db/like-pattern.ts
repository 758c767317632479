/** An ILIKE pattern matching `q` anywhere, with its own wildcards escaped. */
export const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
