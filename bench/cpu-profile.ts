/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time by module (a package under
 * node_modules, a file of ours, a node: builtin) and by function, and inclusive time of the
 * functions on most stacks (each function counted once per sample, so recursion does not inflate it).
 *
 *   npx tsx bench/cpu-profile.ts /tmp/prof-verify/CPU…cpuprofile [top=25] [--match=substring] [--last=seconds]
 *
 * `--match` restricts the inclusive table to functions whose name or file contains the substring;
 * `--last` keeps the samples of the profile's last seconds only (the load, not the start-up).
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const MATCH = process.argv.find((a) => a.startsWith('--match='))?.slice('--match='.length);
const file = args[0];
if (!file) throw new Error('usage: cpu-profile.ts <file.cpuprofile> [top] [--match=substring]');
const TOP = Number(args[1] ?? 25);
const LAST_MS = 1000 * Number(process.argv.find((a) => a.startsWith('--last='))?.slice('--last='.length) ?? Infinity);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

function moduleOf(url: string): string {
  if (!url) return '(native/gc/idle)';
  if (url.startsWith('node:')) return url;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const src = url.indexOf('/src/');
  return src >= 0 ? url.slice(src + 1) : url.replace(/^file:\/\//, '');
}
const fnOf = (f: CallFrame) => `${f.functionName || '(anonymous)'} ${moduleOf(f.url)}:${f.lineNumber + 1}`;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const self = new Map<string, number>();
const selfModule = new Map<string, number>();
const inclusive = new Map<string, number>();
let total = 0;
let idle = 0;
const span = profile.timeDeltas.reduce((a, b) => a + b, 0) / 1000;
let at = 0;
const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
for (let i = 0; i < profile.samples.length; i++) {
  // A sample's time is the delta to the next sample.
  const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
  at += profile.timeDeltas[i] / 1000;
  if (span - at > LAST_MS) continue;
  const node = byId.get(profile.samples[i])!;
  if (node.callFrame.functionName === '(idle)') {
    idle += dt;
    continue;
  }
  total += dt;
  add(self, fnOf(node.callFrame), dt);
  add(selfModule, moduleOf(node.callFrame.url) || node.callFrame.functionName, dt);
  const seen = new Set<string>();
  for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
    const k = fnOf(byId.get(id)!.callFrame);
    if (seen.has(k)) continue;
    seen.add(k);
    add(inclusive, k, dt);
  }
}

const table = (title: string, m: Map<string, number>, filter?: (k: string) => boolean) => {
  console.log(`\n${title}`);
  const rows = [...m].filter(([k]) => !filter || filter(k)).sort((a, b) => b[1] - a[1]);
  for (const [k, ms] of rows.slice(0, TOP))
    console.log(`${ms.toFixed(0).padStart(8)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${k}`);
};
console.log(`busy ${total.toFixed(0)} ms, idle ${idle.toFixed(0)} ms, ${profile.samples.length} samples`);
table('self time by module', selfModule);
table('self time by function', self);
table('inclusive time by function', inclusive, MATCH ? (k) => k.includes(MATCH) : undefined);
