import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export interface Figure {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function figure(samples: number[]): Figure {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return { median: round(median), min: round(sorted[0]!), max: round(sorted.at(-1)!), runs: sorted.length };
}

/** Wall time of a whole process, from spawn to exit. */
export function timeProcess(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ ms: number; code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: performance.now() - t0, code, stdout }));
  });
}

const RESULTS = 'bench/results.json';
const DOC = 'docs/performance.md';

/**
 * Each benchmark file owns some fields of bench/results.json and one section of docs/performance.md,
 * and rewrites only those: the files may run in any order, and one can run alone
 * (`npx vitest run --project bench test/bench/ssh.bench.test.ts`) without losing the others' figures.
 */
export function updateResults(fields: Record<string, unknown>): void {
  mkdirSync('bench', { recursive: true });
  let current: Record<string, unknown> = {};
  try {
    current = JSON.parse(readFileSync(RESULTS, 'utf8')) as Record<string, unknown>;
  } catch {
    // No figures yet, or a file that does not parse: started afresh.
  }
  writeFileSync(RESULTS, `${JSON.stringify({ ...current, ...fields, measuredAt: new Date().toISOString() }, null, 2)}\n`);
}

/** Replaces the section between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` (added at the end when missing). */
export function updateDocSection(name: string, markdown: string): void {
  const open = `<!-- bench:${name} -->`;
  const close = `<!-- /bench:${name} -->`;
  let doc: string;
  try {
    doc = readFileSync(DOC, 'utf8');
  } catch {
    doc = '# Performance\n';
  }
  const block = `${open}\n${markdown.trim()}\n${close}`;
  const start = doc.indexOf(open);
  const end = doc.indexOf(close);
  const next = start >= 0 && end > start ? `${doc.slice(0, start)}${block}${doc.slice(end + close.length)}` : `${doc.trimEnd()}\n\n${block}\n`;
  writeFileSync(DOC, next.endsWith('\n') ? next : `${next}\n`);
}

/** USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK). */
export const CLOCK_TICKS = 100;

/** This machine's CPU time so far, ms: all cores busy (not idle, not waiting on I/O), from /proc/stat. */
export function machineBusyMs(): number {
  const [, ...fields] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * (1000 / CLOCK_TICKS);
}

/**
 * Waits for the machine to go quiet before a measured run: until a 100 ms window in which all cores
 * together were busy less than `busyShare` of the time, and at most `maxMs`. Resolves whether it got
 * quiet (a run that starts on a busy machine is counted, not hidden).
 */
export async function settle(cores: number, busyShare = 0.25, maxMs = 3000): Promise<boolean> {
  const windowMs = 100;
  for (let waited = 0; waited < maxMs; waited += windowMs) {
    const before = machineBusyMs();
    await sleep(windowMs);
    if (machineBusyMs() - before < busyShare * cores * windowMs) return true;
  }
  return false;
}
