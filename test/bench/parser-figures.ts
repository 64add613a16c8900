import type { Figure } from './measure';

/**
 * The parses parsers.bench.test.ts measures, by the name parser.child.ts knows them: each the way
 * the engine calls it. `ss` reads one port's listeners (a diagnosis, and a pasted table);
 * `ss-every-listener` builds every listener, for comparison; `proc-net-tcp` reads every listener
 * of the table (this computer's own, readLocalListeners).
 */
export type ParserName = 'ss' | 'ss-every-listener' | 'iptables-save' | 'proc-net-tcp';

/** The port `ss` reads the listeners of (SQL Server's): the generated tables have it once in 2,000 sockets, twice in 100,000. */
export const BENCH_PORT = 1433;

/** What one parser.child.ts run prints. */
export interface ChildReport {
  mode: 'parse' | 'idle';
  /** Wall time of the parse call alone (0 when idle). */
  ms: number;
  /** CPU time of the whole process (all threads: the collector's helpers too) during the parse. */
  cpuMs: number;
  /** Peak resident set of the child (VmHWM; getrusage ru_maxrss where there is none), KiB. */
  peakRssKiB: number;
  /** Size of the input file (read whole, and kept). */
  inputBytes: number;
  ok: boolean;
  /** The parser's typed error, when it failed. */
  error?: unknown;
  /** Sockets or rules returned. */
  count: number;
  /** sha256 of the result as JSON, taken after the peak was read: two builds of a parser agree when it does. */
  digest: string;
}

export interface ParserFigure {
  /** Row name stem: `ss` gives `ss_parse_ms`. */
  id: string;
  parser: ParserName;
  /** What was parsed, for the table: "`ss -Htlnpe` of 100,000 listening sockets". */
  what: string;
  items: number;
  inputBytes: number;
  /** Each run is one parse in a fresh child process (cold: no warm-up). */
  parse_ms: Figure;
  /** CPU time of the child during the parse (all threads: the garbage collector's helpers too). */
  parse_cpu_ms: Figure;
  /** The child's peak RSS minus the median peak of idle children (module and input loaded, no parse), MiB. */
  peak_rss_mib: Figure;
  baseline_rss_mib: number;
  /** Sockets or rules returned, and the digest every run agreed on. */
  count: number;
  digest: string;
}

export interface ParserResults {
  measuredAt: string;
  machine: { cpus: number; node: string };
  /**
   * The engine's caps: a remote command's stdout is kept up to `runnerMaxBytes`
   * (shared/node/remote/runner.ts defaultMaxBytes; no catalog command sets its own) and that is what
   * a parser reads; evidence keeps the first `rawCapBytes` of it (collect.ts RAW_CAP). The local
   * /proc/net/tcp is read whole.
   */
  cap: { runnerMaxBytes: number; rawCapBytes: number };
  parsers: ParserFigure[];
}

const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

/** Markdown rows for docs/performance.md's table (`| figure | median ms | min | max | runs | what |`). */
export function renderParserRows(results: ParserResults): string[] {
  return results.parsers.map((p) => {
    const f = p.parse_ms;
    const times = p.inputBytes / results.cap.runnerMaxBytes;
    const cap = times > 1 ? `${times.toFixed(1)}× the ${mib(results.cap.runnerMaxBytes)} MiB capture cap` : 'within the capture cap';
    const m = p.peak_rss_mib;
    const rss = `peak RSS +${m.median.toFixed(1)} MiB (${m.min.toFixed(1)}–${m.max.toFixed(1)})`;
    return `| ${p.id}_parse_ms | ${f.median} | ${f.min} | ${f.max} | ${f.runs} | parse ${p.what} (${mib(p.inputBytes)} MiB, ${cap}) in a fresh process; ${rss} |`;
  });
}
