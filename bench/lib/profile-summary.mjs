#!/usr/bin/env node
// Summarises a V8 .cpuprofile (node --cpu-prof): self time by package / file area and the top functions.
//   node bench/lib/profile-summary.mjs <file.cpuprofile> [top=25]
// LOAD_SECONDS=s keeps only the load: the s seconds from the first sample inside an HTTP request (start-up and
// shutdown left out). REQUESTS=n (requests served in that window) prints us per request instead of percentages.
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const top = Number(topArg ?? 25);
const byId = new Map(profile.nodes.map(n => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes)
  for (const c of n.children ?? []) parent.set(c, n.id);
const inRequest = id => {
  for (let cur = id; cur !== undefined; cur = parent.get(cur))
    if (byId.get(cur).callFrame.functionName === 'parserOnIncoming')
      return true;
  return false;
};
const loadUs = process.env.LOAD_SECONDS
  ? Number(process.env.LOAD_SECONDS) * 1e6
  : undefined;
const self = new Map();
const dt = profile.timeDeltas;
let now = 0;
let loadStart;
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  now += dt[i] ?? 0;
  if (loadUs !== undefined) {
    if (loadStart === undefined && inRequest(id)) loadStart = now;
    if (loadStart === undefined || now - loadStart > loadUs) continue;
  }
  self.set(id, (self.get(id) ?? 0) + (dt[i] ?? 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
function area(url, name) {
  if (!url) return `(${name || 'native'})`;
  const m = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (m) return m[1];
  if (url.startsWith('node:')) return url;
  const d = url.match(/\/dist\/(.*)$/);
  return d ? `app:${d[1]}` : url;
}
const areas = new Map();
const fns = new Map();
for (const [id, t] of self) {
  const n = byId.get(id);
  const { url, functionName, lineNumber } = n.callFrame;
  const a = area(url, functionName);
  areas.set(a, (areas.get(a) ?? 0) + t);
  const key = `${functionName || '(anon)'} ${a}:${lineNumber + 1}`;
  fns.set(key, (fns.get(key) ?? 0) + t);
}
// Inclusive time: a sample counts once for every distinct function on its stack.
const inclusive = new Map();
for (const [id, t] of self) {
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const { url, functionName, lineNumber } = byId.get(cur).callFrame;
    if (!url) continue;
    const key = `${functionName || '(anon)'} ${area(url, functionName)}:${
      lineNumber + 1
    }`;
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + t);
  }
}
const pattern = process.env.MATCH ? new RegExp(process.env.MATCH) : undefined;
const requests = process.env.REQUESTS
  ? Number(process.env.REQUESTS)
  : undefined;
const pct = t =>
  requests
    ? `${(t / requests).toFixed(2).padStart(6)} us`
    : ((100 * t) / total).toFixed(1).padStart(5) + '%';
console.log(
  `total ${(total / 1e6).toFixed(1)} s sampled${
    requests ? `, ${(total / requests).toFixed(1)} us per request` : ''
  }`,
);
console.log('\nself time by area:');
for (const [a, t] of [...areas].sort((x, y) => y[1] - x[1]).slice(0, top))
  console.log(`${pct(t)}  ${a}`);
console.log('\ntop functions (self):');
for (const [f, t] of [...fns].sort((x, y) => y[1] - x[1]).slice(0, top))
  console.log(`${pct(t)}  ${f}`);
console.log(`\ninclusive${pattern ? ` (matching ${pattern})` : ''}:`);
for (const [f, t] of [...inclusive]
  .filter(([f]) => !pattern || pattern.test(f))
  .sort((x, y) => y[1] - x[1])
  .slice(0, top))
  console.log(`${pct(t)}  ${f}`);
