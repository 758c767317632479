/** Runs job(0 … n-1) with `count` of them in flight at a time. */
export async function inFlight(count: number, n: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: count }, async () => {
      while (next < n) await job(next++);
    }),
  );
}
