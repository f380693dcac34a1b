import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The subset of V8's .cpuprofile format the summary reads. */
interface CpuProfile {
  readonly nodes: readonly { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
  readonly startTime: number;
  readonly endTime: number;
}

export interface ProfileSummary {
  readonly file: string;
  readonly seconds: number;
  /** Share of the samples per area (service code, kafkajs, ioredis, onnxruntime, GC, idle...). */
  readonly byArea: readonly { area: string; percent: number }[];
  /** The functions with the most self time. */
  readonly topFunctions: readonly { fn: string; percent: number }[];
}

/** Where a frame's code comes from, by its script URL. */
function area(url: string, name: string): string {
  if (name === '(garbage collector)') return 'garbage collection';
  if (name === '(idle)') return 'idle (waiting on I/O)';
  if (name === '(program)') return 'V8/native (program)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg !== undefined) return pkg;
  if (url.startsWith('node:')) return 'node core';
  if (url.includes('/dist/')) return 'service code';
  return url === '' ? 'native' : 'other';
}

/**
 * Self time of a V8 CPU profile (node --cpu-prof), by area and by function: the first look at
 * where a scenario's CPU goes, before opening the .cpuprofile in a flame-graph viewer.
 */
export function summariseProfile(dir: string, top = 12): ProfileSummary | null {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) return null;
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  const byArea = new Map<string, number>();
  const byFn = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    total += hits;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = area(url, functionName);
    byArea.set(where, (byArea.get(where) ?? 0) + hits);
    const file = url.includes('node_modules/') ? url.replace(/^.*node_modules\//, '') : url.replace(/^.*\/dist\//, 'dist/');
    const fn = `${functionName === '' ? '(anonymous)' : functionName} ${url === '' ? '' : `${file}:${String(lineNumber + 1)}`}`.trim();
    byFn.set(fn, (byFn.get(fn) ?? 0) + hits);
  }
  const pct = (x: number) => Math.round((x / Math.max(1, total)) * 1000) / 10;
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  return {
    file: join(dir, file),
    seconds: Math.round((profile.endTime - profile.startTime) / 1e5) / 10,
    byArea: sorted(byArea).map(([a, n]) => ({ area: a, percent: pct(n) })),
    topFunctions: sorted(byFn)
      .slice(0, top)
      .map(([fn, n]) => ({ fn, percent: pct(n) })),
  };
}
