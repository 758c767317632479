/**
 * The one order in which concurrent writers of the same rows take their locks. Any total order
 * serves, as long as every writer uses the same one: a writer then only ever waits for a writer
 * that is further along the same sequence, so no two wait for each other (no deadlock).
 * Plain code-unit comparison, independent of the database's collation and the host's locale.
 */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
