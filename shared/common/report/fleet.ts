import type { FleetFailure, FleetRow, FleetServerResult, FleetVerdict } from '../schema/fleet';
import type { ProbeAttempt } from '../schema/probe';
import type { FirewallRule } from '../schema/firewall';
import type { Report } from '../schema/report';
import { attemptWord } from './attempt-words';
import { factsOf, listenersText, serverFactsOf } from './compare';
import type { TextStyle } from './text';
import { plainStyle } from './text';

/**
 * `portwise fleet`: the same port on N servers, side by side. Pure: every row and the verdict are
 * built from the servers' results alone, in words, so the terminal table, the JSON and a later
 * app view say the same thing.
 */

/** A finished report's login failure, as the fleet types it (null: logged in, or no login was needed). */
export function loginFailure(report: Report): Extract<FleetFailure, { kind: 'login-failed' }> | null {
  const f = report.sshFailure;
  return f ? { kind: 'login-failed', sshKind: f.kind, message: f.message, hop: f.hop } : null;
}

/** "Refused", or "Mixed: Connected ×2, Refused ×1" when the attempts ended differently. */
function probeText(report: Report): string {
  const resolution = factsOf(report, 'dns').at(-1)?.resolution;
  if (resolution?.status === 'failed') return `Did not resolve (${resolution.errno})`;
  const attempts: ProbeAttempt[] = factsOf(report, 'tcp-probe').flatMap((f) => f.attempts);
  if (attempts.length === 0) return 'Not probed';
  const counts = new Map<string, number>();
  for (const a of attempts) counts.set(attemptWord(a), (counts.get(attemptWord(a)) ?? 0) + 1);
  if (counts.size === 1) return [...counts.keys()][0] as string;
  return `Mixed: ${[...counts].map(([word, n]) => `${word} ×${n}`).join(', ')}`;
}

/** Why the server's side is not known, when it is not. */
function notReadText(result: FleetServerResult): string {
  const failure = result.failure;
  if (failure?.kind === 'login-failed') return `Not read: could not log in (${failure.sshKind})`;
  if (failure?.kind === 'cancelled') return 'Not read: cancelled';
  if (failure?.kind === 'failed') return 'Not read: the run failed';
  if (result.report?.outcome === 'connected') return 'Not asked: it connects';
  if (result.report?.outcome === 'dns-failure') return 'Not asked: the name did not resolve';
  return 'Not read';
}

/** What a rule does to the probe, in the firewall's own words: "REJECT tcp-reset", "DROP", "DNAT to 198.18.7.2:5432". */
function actionWords(rule: FirewallRule): string {
  if (rule.action === 'reject') return rule.rejectWith ? `REJECT ${rule.rejectWith}` : 'REJECT';
  if (rule.action === 'dnat') return rule.target ? `DNAT to ${rule.target}` : 'DNAT';
  return rule.action.toUpperCase();
}

/**
 * The firewall's verdict: the rule (or chain policy) whose counter rose with the fresh probes, short
 * for the table, and whole (where it is and its text) for the list under it; else what is known.
 */
function firewallCells(remote: NonNullable<ReturnType<typeof serverFactsOf>>): { firewall: string; rule: string | null } {
  const correlation = remote.correlation;
  if (correlation === null) {
    if (remote.firewall.snapshots.length > 0) return { firewall: 'Rules read; probes not counted', rule: null };
    const first = remote.firewall.unreadable[0];
    return { firewall: first ? `Rules not readable (${first.status})` : 'No rule set found', rule: null };
  }
  // The culprits are ranked (counters.ts): the first is the one that answered the probes.
  const [culprit] = correlation.culprits;
  const [policy] = correlation.policies;
  const others = correlation.culprits.length + correlation.policies.length - 1;
  const also = others > 0 ? `, and ${others} more` : '';
  if (culprit) {
    const r = culprit.rule;
    return { firewall: `${actionWords(r)} (+${culprit.delta}${also})`, rule: `${r.source} ${r.table} ${r.chain}: ${r.text}` };
  }
  if (policy) return { firewall: `Policy ${policy.policy} (+${policy.delta}${also})`, rule: `${policy.source} ${policy.table} ${policy.chain}: policy ${policy.policy}` };
  return { firewall: 'No rule counted the probes', rule: null };
}

/** One server's row of the side-by-side table. */
export function fleetRow(result: FleetServerResult): FleetRow {
  const { report, failure } = result;
  const remote = report ? serverFactsOf(report) : null;
  const notRead = notReadText(result);
  const firewall = remote ? firewallCells(remote) : { firewall: notRead, rule: null };
  return {
    server: result.server,
    target: result.target,
    probe: report ? probeText(report) : failure?.kind === 'cancelled' ? 'Cancelled' : failure?.kind === 'failed' ? 'Failed' : 'Not probed',
    outcome: report?.outcome ?? null,
    listening: report && remote ? listenersText(report, remote.listeners) : notRead,
    ...firewall,
    cause: report?.diagnosis.cause ?? null,
    title: report?.diagnosis.title ?? null,
    confidence: report && report.diagnosis.cause !== 'inconclusive' ? report.diagnosis.confidence : null,
    failure: failure?.kind ?? null,
  };
}

/** Every server's row, in the order the servers were given. */
export function fleetRows(results: readonly FleetServerResult[]): FleetRow[] {
  return results.map(fleetRow);
}

/**
 * The fleet in one line, the failing servers grouped by cause, the largest group first:
 * "3 of 20 refuse: service-not-running on a, b; iptables-reject on c." Then who could not be
 * logged in to, cancelled, or failed.
 */
export function fleetVerdict(results: readonly FleetServerResult[]): FleetVerdict {
  const total = results.length;
  const withReport = results.filter((r): r is FleetServerResult & { report: Report } => r.report !== null);
  const connected = withReport.filter((r) => r.report.outcome === 'connected');
  const failing = withReport.filter((r) => r.report.outcome !== 'connected');
  const groups: FleetVerdict['groups'] = [];
  for (const r of failing) {
    const d = r.report.diagnosis;
    const group = groups.find((g) => g.cause === d.cause);
    if (group) group.servers.push(r.server);
    else groups.push({ cause: d.cause, title: d.title, servers: [r.server] });
  }
  // Stable: equal groups keep the order their first server was given in.
  groups.sort((a, b) => b.servers.length - a.servers.length);
  const named = (kind: FleetFailure['kind']) => results.filter((r) => r.failure?.kind === kind);
  const loginFailed = named('login-failed');
  const cancelled = named('cancelled');
  const failed = named('failed');

  const sentences: string[] = [];
  if (failing.length > 0) {
    const outcomes = new Set(failing.map((r) => r.report.outcome));
    const verb = outcomes.size === 1 && outcomes.has('refused') ? 'refuse' : outcomes.size === 1 && outcomes.has('timeout') ? 'time out' : 'do not connect';
    sentences.push(`${failing.length} of ${total} ${verb}: ${groups.map((g) => `${g.cause} on ${g.servers.join(', ')}`).join('; ')}.`);
  } else if (withReport.length === 0) {
    sentences.push(total === 0 ? 'No server was given.' : 'No server was diagnosed.');
  } else if (connected.length === total) {
    sentences.push(total === 1 ? 'The server connects.' : `All ${total} connect.`);
  } else {
    sentences.push(`${connected.length} of ${total} connect; none refuses.`);
  }
  if (loginFailed.length > 0) {
    const why = (r: FleetServerResult) => (r.failure?.kind === 'login-failed' ? ` (${r.failure.sshKind})` : '');
    sentences.push(`Could not log in to ${loginFailed.map((r) => `${r.server}${why(r)}`).join(', ')}.`);
  }
  if (cancelled.length > 0) sentences.push(`Cancelled: ${cancelled.map((r) => r.server).join(', ')}.`);
  if (failed.length > 0) sentences.push(`Stopped on an internal error: ${failed.map((r) => r.server).join(', ')}.`);
  return {
    text: sentences.join(' '),
    total,
    connected: connected.length,
    failing: failing.length,
    groups,
    loginFailed: loginFailed.map((r) => r.server),
    cancelled: cancelled.map((r) => r.server),
    failed: failed.map((r) => r.server),
  };
}

/** The longest a cell may be on a terminal; the JSON keeps every cell whole. */
const CELL_MAX = { server: 40, probe: 40, listening: 48, firewall: 48, cause: 40 } as const;

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const HEADER = ['SERVER', 'PROBE FROM HERE', 'LISTENING ON THE SERVER', 'FIREWALL', 'CAUSE', 'CONFIDENCE'] as const;

/**
 * The table, columns aligned (widths from the plain text, so colour codes never shift them); a
 * cell longer than its column's limit is cut with "…". Colour only marks what the words already say.
 */
export function renderFleetTable(rows: readonly FleetRow[], style: TextStyle = plainStyle): string {
  const cells = rows.map((r) => [
    cut(r.server, CELL_MAX.server),
    cut(r.probe, CELL_MAX.probe),
    cut(r.listening, CELL_MAX.listening),
    cut(r.firewall, CELL_MAX.firewall),
    cut(r.cause ?? '-', CELL_MAX.cause),
    r.confidence ?? '-',
  ]);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (texts: readonly string[], paint: (text: string, column: number) => string) =>
    texts
      .map((text, i) => (i === texts.length - 1 ? paint(text, i) : paint(text.padEnd(widths[i] ?? 0), i)))
      .join('  ')
      .trimEnd();
  const out = [line(HEADER, (t) => style.bold(t))];
  rows.forEach((row, n) => {
    const paint = (text: string, column: number) => {
      if (column === 1 && row.outcome !== null) return row.outcome === 'connected' ? style.good(text) : style.bad(text);
      if ((column === 2 || column === 3) && row.failure !== null) return style.warn(text);
      return text;
    };
    out.push(line(cells[n] ?? [], paint));
  });
  return `${out.join('\n')}\n`;
}

/** Two aligned columns under a heading; nothing when there are no lines. */
function section(heading: string, lines: readonly [string, string][], style: TextStyle): string[] {
  if (lines.length === 0) return [];
  const width = Math.max(...lines.map(([key]) => key.length));
  return [style.bold(heading), ...lines.map(([key, text]) => `  ${key.padEnd(width)}  ${text}`)];
}

/**
 * What `portwise fleet` prints on stdout without --json: the table; each cause once with its
 * title; each rule that answered the probes whole, by server (the table cuts nothing of these);
 * then the verdict.
 */
export function renderFleetText(rows: readonly FleetRow[], verdict: FleetVerdict, style: TextStyle = plainStyle): string {
  const causes = new Map<string, string>();
  for (const r of rows) if (r.cause !== null && !causes.has(r.cause)) causes.set(r.cause, r.title ?? '');
  const rules = rows.flatMap((r): [string, string][] => (r.rule === null ? [] : [[r.server, r.rule]]));
  const notes = [...section('Causes:', [...causes], style), ...section('Rules that counted the probes:', rules, style)];
  return `${renderFleetTable(rows, style)}\n${notes.length > 0 ? `${notes.join('\n')}\n\n` : ''}${style.bold('Verdict:')} ${verdict.text}\n`;
}

/** One server's line on stderr as it finishes: "[2/3] admin@db2.example.com  Refused  service-not-running (high)". */
export function fleetProgressLine(result: FleetServerResult, done: number, total: number): string {
  const head = `[${done}/${total}] ${result.server}`;
  const { report, failure } = result;
  if (failure?.kind === 'cancelled') return `${head}  cancelled`;
  if (failure?.kind === 'failed') return `${head}  failed: ${failure.message}`;
  if (!report) return head;
  const d = report.diagnosis;
  const verdict = `${d.cause}${d.cause === 'inconclusive' ? '' : ` (${d.confidence})`}`;
  const login = failure?.kind === 'login-failed' ? `; could not log in: ${failure.message}` : '';
  return `${head}  ${probeText(report)}  ${verdict}${login}`;
}
