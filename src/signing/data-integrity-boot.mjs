// Entry of a Data Integrity signing thread (piscina): the sources run through tsx (no build), and a
// worker thread does not inherit the parent's loader, so it registers tsx itself.
import { register } from 'tsx/esm/api';

register();
const { default: signBatch } = await import(new URL('./data-integrity-thread.ts', import.meta.url).href);
export default signBatch;
