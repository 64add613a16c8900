import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseIptablesSave } from '../../shared/common/parsers/iptables-save';
import { parseProcNetTcpListeners } from '../../shared/common/parsers/proc-net-tcp';
import { parseSsListeners, parseSsListenersOnPort } from '../../shared/common/parsers/ss';
import { BENCH_PORT, type ChildReport, type ParserName } from './parser-figures';

/**
 * One parse in a fresh process, so that the peak resident memory is the parser's own: bundled by
 * parsers.bench.test.ts for plain Node. `node parser.child.mjs <parser> <input file> parse|idle`
 * prints one JSON line. `idle` only loads this module and reads the input: its peak is the
 * baseline subtracted from a parse's peak.
 */

type Parsed = { ok: true; value: unknown } | { ok: false; error: unknown };
const parsers: Record<ParserName, (text: string) => Parsed> = {
  ss: (text) => parseSsListenersOnPort(text, BENCH_PORT),
  'ss-every-listener': (text) => parseSsListeners(text),
  'iptables-save': (text) => parseIptablesSave(text, 'iptables-nft'),
  'proc-net-tcp': (text) => parseProcNetTcpListeners(text, 'little'),
};

/** Sockets or rules read: a list's length, a rule set's rules, or the listeners kept and counted. */
function countOf(value: unknown): number {
  if (Array.isArray(value)) return value.length;
  if (typeof value === 'object' && value !== null && 'rules' in value) return (value as { rules: unknown[] }).rules.length;
  const { listeners, others } = value as { listeners: unknown[]; others: number };
  return listeners.length + others;
}

const [name, file, mode] = process.argv.slice(2) as [ParserName, string, 'parse' | 'idle'];
// The bytes stay referenced to the end, in both modes: freed during the parse, their pages would
// make room that hides part of the parse's own growth from the peak.
const bytes = readFileSync(file);
const text = bytes.toString('utf8');
let ms = 0;
let cpuMs = 0;
let result: Parsed | null = null;
if (mode === 'parse') {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  result = parsers[name](text);
  ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  cpuMs = (cpu.user + cpu.system) / 1000;
}
const peakRssKiB = readPeakRssKiB();
let count = 0;
let digest = '';
if (result !== null) {
  const value: unknown = result.ok ? result.value : result.error;
  if (result.ok) count = countOf(value);
  digest = createHash('sha256').update(JSON.stringify(value)).digest('hex');
}
const report: ChildReport = { mode, ms, cpuMs, peakRssKiB, inputBytes: bytes.length, ok: result?.ok ?? true, count, digest };
if (result !== null && !result.ok) report.error = result.error;
process.stdout.write(`${JSON.stringify(report)}\n`);

/**
 * This process's peak resident set, KiB: VmHWM on Linux. getrusage's ru_maxrss (the fallback) also
 * counts the pages the child shared with its parent between fork and exec, so under a large parent
 * (the test runner) it shows the parent's size rather than this process's.
 */
function readPeakRssKiB(): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]);
  } catch {
    // Not Linux.
  }
  return process.resourceUsage().maxRSS;
}
