import { createRequire } from 'node:module';

/**
 * jsonld.js copies the whole active context, deeply, every time it enters a type-scoped context
 * (OB 3.0 scopes one per type, and they do not propagate): with the OB 3.0 context that copy and
 * its garbage were ~90% of an eddsa-rdfc-2022 signature (~70 ms of ~75 ms, measured with
 * `--cpu-prof` on bench/issuance/proofs.ts). A term definition is never changed once its context
 * is built — defining a term makes a new definition object — so a child context may share them:
 * the map and the protected-terms record are copied, their entries are not.
 *
 * Installed on jsonld's cached initial contexts, from which every active context is cloned.
 * Independent verifiers (verifier-core ships its own jsonld copy) check what we sign unchanged.
 */
interface ActiveContext {
  mappings: Map<string, unknown>;
  protected: Record<string, boolean>;
  previousContext?: ActiveContext;
  clone(): ActiveContext;
  [key: string]: unknown;
}

const require = createRequire(import.meta.url);
const context = require('jsonld/lib/context.js') as {
  getInitialContext(options: { processingMode?: string }): ActiveContext;
};

function shallowClone(this: ActiveContext): ActiveContext {
  // The fields jsonld's own clone copies, in its order; only the two containers are now shallow.
  const child = {
    mappings: new Map(this.mappings),
    clone: this.clone,
    inverse: null,
    getInverse: this.getInverse,
    protected: { ...this.protected },
  } as unknown as ActiveContext;
  if (this.previousContext) child.previousContext = this.previousContext.clone();
  child.revertToPreviousContext = this.revertToPreviousContext;
  for (const key of ['@base', '@language', '@vocab']) if (key in this) child[key] = this[key];
  return child;
}

let installed = false;

export function installFastContextClone(): void {
  if (installed) return;
  installed = true;
  for (const processingMode of [undefined, 'json-ld-1.0', 'json-ld-1.1']) {
    context.getInitialContext({ processingMode }).clone = shallowClone;
  }
}
