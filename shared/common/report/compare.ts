import type { Outcome, ProbeAttempt, Resolution } from '../schema/probe';
import type { Listener } from '../schema/listener';
import type { Evidence, PathStep, Report } from '../schema/report';
import { formatAddressPort, formatTarget } from '../schema/target-text';
import { attemptWord } from './attempt-words';
import { formatDuration, msBetween } from './times';

/**
 * Two runs of one target side by side (issue 7: before and after a fix). Pure: every row is built
 * from the two reports alone, and says in words what each run got and whether that changed, so a
 * view can mark a change with text, not colour only.
 */

/** One line of the side-by-side view: what each run got, in words. */
export interface CompareRow {
  /** A stable key for the view's lists. */
  key: string;
  label: string;
  before: string;
  after: string;
  changed: boolean;
}

/** One step of each decision path, aligned by position. */
export interface PathRow {
  /** 1-based position in the walk. */
  position: number;
  before: PathCell | null;
  after: PathCell | null;
  changed: boolean;
}

export interface PathCell {
  node: string;
  title: string;
  /** The next node, or the cause the step concluded. */
  next: string;
}

export interface RunSide {
  startedAt: string;
  finishedAt: string;
  /** "1.52 s", or null when the times do not parse. */
  took: string | null;
  /** What the person typed. */
  input: string;
}

export interface ReportComparison {
  /** `host:port` of the newer run (the older one's, when they differ: see `sameTarget`). */
  target: string;
  sameTarget: boolean;
  before: RunSide;
  after: RunSide;
  /** Outcome, cause and title, confidence (and the last "verify the fix", when either run has one). */
  verdict: CompareRow[];
  /** Name resolution (when either run has it), then every address either run probed. */
  addresses: CompareRow[];
  path: {
    rows: PathRow[];
    /** The first position (1-based) where the walks part, or null when they are the same. */
    divergesAt: number | null;
  };
  /** What listened on the port on this computer (a local target); empty when neither run read it. */
  workstation: CompareRow[];
  /** What the server's own evidence said in each run; empty when neither run logged in. */
  server: CompareRow[];
  /** True when any row of any section changed. */
  changed: boolean;
}

/** True when both reports are about the same host (names compare case-insensitively) and port. */
export function sameTarget(a: Pick<Report, 'target'>, b: Pick<Report, 'target'>): boolean {
  return a.target.port === b.target.port && a.target.hostKind === b.target.hostKind && a.target.host.toLowerCase() === b.target.host.toLowerCase();
}

/** The two reports, the one that finished first first (the "before" of a comparison). */
export function olderFirst(a: Report, b: Report): [Report, Report] {
  const ta = Date.parse(a.finishedAt);
  const tb = Date.parse(b.finishedAt);
  return !Number.isNaN(ta) && !Number.isNaN(tb) && tb < ta ? [b, a] : [a, b];
}

export const outcomeWords: Readonly<Record<Outcome, string>> = {
  refused: 'Refused',
  timeout: 'Timed out',
  unreachable: 'Unreachable',
  reset: 'Reset',
  connected: 'Connected',
  'dns-failure': 'The name did not resolve',
  mixed: 'Mixed: the addresses or rounds differ',
};

const confidenceWords = { high: 'High', medium: 'Medium', low: 'Low' } as const;

export function compareReports(before: Report, after: Report): ReportComparison {
  const verdict = verdictRows(before, after);
  const addresses = addressRows(before, after);
  const path = pathRows(before.path, after.path);
  const workstation = workstationRows(before, after);
  const server = serverRows(before, after);
  return {
    target: formatTarget(after.target),
    sameTarget: sameTarget(before, after),
    before: side(before),
    after: side(after),
    verdict,
    addresses,
    path,
    workstation,
    server,
    changed: [...verdict, ...addresses, ...path.rows, ...workstation, ...server].some((r) => r.changed),
  };
}

function side(report: Report): RunSide {
  const ms = msBetween(report.startedAt, report.finishedAt);
  return { startedAt: report.startedAt, finishedAt: report.finishedAt, took: ms === null ? null : formatDuration(ms), input: report.target.input };
}

/** A row whose cells are compared as they read. */
function row(key: string, label: string, before: string, after: string): CompareRow {
  return { key, label, before, after, changed: before !== after };
}

function verdictRows(before: Report, after: Report): CompareRow[] {
  const cause = (r: Report) => `${r.diagnosis.title} (${r.diagnosis.cause})`;
  const rows = [
    row('outcome', 'Outcome', outcomeWords[before.outcome], outcomeWords[after.outcome]),
    row('cause', 'Cause', cause(before), cause(after)),
    row('confidence', 'Confidence', confidenceWords[before.diagnosis.confidence], confidenceWords[after.diagnosis.confidence]),
  ];
  if ((before.verifications?.length ?? 0) + (after.verifications?.length ?? 0) > 0) {
    rows.push(row('verify', 'Verify the fix (the last one)', verifyText(before), verifyText(after)));
  }
  return rows;
}

function verifyText(report: Report): string {
  const last = report.verifications?.at(-1);
  if (!last) return 'Not run';
  return last.fixed ? 'Fixed: every address connected' : 'Still failing';
}

// ---------------------------------------------------------------------------------------------
// Addresses: the DNS answer, then each address's probe results.

/** The parsed facts of every piece of evidence of one check, in the order they were added. */
export function factsOf<C extends Evidence['facts']['check']>(report: Report, check: C): Extract<Evidence['facts'], { check: C }>[] {
  return report.evidence.flatMap((e) => (e.facts.check === check ? [e.facts as Extract<Evidence['facts'], { check: C }>] : []));
}

function resolutionOf(report: Report): Resolution | null {
  return factsOf(report, 'dns').at(-1)?.resolution ?? null;
}

function attemptsOf(report: Report): ProbeAttempt[] {
  return factsOf(report, 'tcp-probe').flatMap((f) => f.attempts);
}

function resolutionText(resolution: Resolution | null): string | null {
  if (!resolution) return null;
  if (resolution.status === 'failed') return `Did not resolve (${resolution.errno})`;
  return resolution.addresses.map((a) => a.address).join(', ');
}

/**
 * "Refused ×3", "Connected ×2, Refused ×1", in the probe table's words. Two runs differ when the
 * kinds of ending differ; the counts alone (three rounds against two) do not make a change.
 */
function attemptsText(attempts: readonly ProbeAttempt[]): { text: string; kinds: string } {
  const counts = new Map<string, number>();
  for (const a of attempts) counts.set(attemptWord(a), (counts.get(attemptWord(a)) ?? 0) + 1);
  const text = [...counts].map(([word, n]) => `${word} ×${n}`).join(', ');
  return { text, kinds: [...counts.keys()].sort().join(',') };
}

function addressRows(before: Report, after: Report): CompareRow[] {
  const rows: CompareRow[] = [];
  const [rb, ra] = [resolutionOf(before), resolutionOf(after)];
  if (rb || ra) rows.push(row('dns', 'Name resolution', resolutionText(rb) ?? 'Not looked up', resolutionText(ra) ?? 'Not looked up'));

  const byAddress = (report: Report) => {
    const map = new Map<string, ProbeAttempt[]>();
    for (const a of attemptsOf(report)) map.set(a.address, [...(map.get(a.address) ?? []), a]);
    return map;
  };
  const [pb, pa] = [byAddress(before), byAddress(after)];
  // The older run's order first, then what only the newer run probed.
  const addresses = [...new Set([...pb.keys(), ...pa.keys()])];
  for (const address of addresses) {
    const [b, a] = [pb.get(address), pa.get(address)];
    const [tb, ta] = [b ? attemptsText(b) : null, a ? attemptsText(a) : null];
    const port = (b ?? a)?.[0]?.port ?? after.target.port;
    rows.push({
      key: `address:${address}`,
      label: formatAddressPort(address, port),
      before: tb?.text ?? 'Not probed',
      after: ta?.text ?? 'Not probed',
      changed: tb?.kinds !== ta?.kinds,
    });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// The decision paths, aligned by position.

function pathRows(before: readonly PathStep[], after: readonly PathStep[]): ReportComparison['path'] {
  const cell = (s: PathStep | undefined): PathCell | null => (s ? { node: s.node, title: s.title, next: s.next } : null);
  const rows: PathRow[] = [];
  let divergesAt: number | null = null;
  for (let i = 0; i < Math.max(before.length, after.length); i++) {
    const [b, a] = [cell(before[i]), cell(after[i])];
    const changed = b?.node !== a?.node || b?.next !== a?.next;
    if (changed && divergesAt === null) divergesAt = i + 1;
    rows.push({ position: i + 1, before: b, after: a, changed });
  }
  return { rows, divergesAt };
}

// ---------------------------------------------------------------------------------------------
// The server: its listeners on the port, and the firewall's verdict.

/** What the server's own evidence added up to (null: no server evidence in this run). */
export function serverFactsOf(report: Report) {
  return factsOf(report, 'server-facts').at(-1)?.remote ?? null;
}

function listenerText(l: Listener): string {
  const who = l.processes.map((p) => p.name);
  return `${formatAddressPort(l.address, l.port)}${who.length > 0 ? ` (${[...new Set(who)].join(', ')})` : ''}`;
}

/** The listeners on the target's port, as one line; a table that could not be read says why. */
export function listenersText(report: Report, table: { status: string; listeners?: readonly Listener[]; reason?: string | null }): string {
  if (table.status !== 'ok' || !table.listeners) return `Could not be read${table.reason ? `: ${table.reason}` : ''}`;
  // Process ids change on every restart: the addresses and the program names are what the fix moves.
  const on = table.listeners.filter((l) => l.port === report.target.port).map(listenerText);
  return on.length === 0 ? `Nothing listens on port ${report.target.port}` : [...new Set(on)].sort().join('; ');
}

function workstationRows(before: Report, after: Report): CompareRow[] {
  const text = (report: Report) => {
    const table = factsOf(report, 'local-listeners').at(-1)?.table;
    return table ? listenersText(report, table) : null;
  };
  const [b, a] = [text(before), text(after)];
  if (b === null && a === null) return [];
  const notRead = 'Not read in this run';
  return [row('local-listeners', 'Listening on this computer', b ?? notRead, a ?? notRead)];
}

function serverListeners(report: Report): string | null {
  const remote = serverFactsOf(report);
  return remote ? listenersText(report, remote.listeners) : null;
}

function firewallText(report: Report): string | null {
  const remote = serverFactsOf(report);
  if (!remote) return null;
  const read = remote.firewall.snapshots.length;
  if (remote.correlation === null) {
    return read === 0 ? 'No rule set could be read' : 'The probes were not counted against the rules';
  }
  const culprits = remote.correlation.culprits.map((c) => `${c.rule.source} ${c.rule.table} ${c.rule.chain}: ${c.rule.text}`);
  const policies = remote.correlation.policies.map((p) => `${p.source} ${p.table} ${p.chain}: policy ${p.policy}`);
  const all = [...culprits, ...policies];
  return all.length === 0 ? 'No rule counted the probes' : all.join('; ');
}

function managersText(report: Report): string | null {
  const remote = serverFactsOf(report);
  if (!remote) return null;
  return remote.firewall.activeManagers.length === 0 ? 'None active' : [...remote.firewall.activeManagers].sort().join(', ');
}

function serverRows(before: Report, after: Report): CompareRow[] {
  if (!serverFactsOf(before) && !serverFactsOf(after)) return [];
  const notRead = 'Not read (no server evidence in this run)';
  return [
    row('listeners', 'Listening on the server', serverListeners(before) ?? notRead, serverListeners(after) ?? notRead),
    row('firewall', 'Firewall rules that counted the probes', firewallText(before) ?? notRead, firewallText(after) ?? notRead),
    row('managers', 'Firewall managers', managersText(before) ?? notRead, managersText(after) ?? notRead),
  ];
}
