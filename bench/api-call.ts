/** JSON calls to a bench's service, as the admin unless another token is given; a 4xx/5xx throws. */
export function apiCaller(base: string, adminToken: string) {
  return async (method: string, p: string, body?: unknown, token = adminToken) => {
    const res = await fetch(base + p, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 300)}`);
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
}
