import type { ConnectStatus, ProbeAttempt } from '../../shared/common/schema/probe';
import type { Evidence, Report } from '../../shared/common/schema/report';
import { formatSshDestination, parseSshDestination } from '../../shared/common/schema/ssh-destination';
import { formatTarget, type Target } from '../../shared/common/schema/target';
import type { AddressRow } from '../state/run';
import { familyLabel, statusGlyph, statusWord } from './format';

/**
 * The path diagram, as pure data: what was learned at each place between this computer and the
 * target (`pathFacts`), then where each box and line goes (`layoutPath`). The component only draws.
 *
 * The picture has two routes from "This computer": the SSH chain along the top row (jump hosts, then
 * the server), and the TCP probes, which go straight to each target address (they never pass through
 * the jump hosts). The server and the addresses share the last column, boxed as "the target".
 */

/** A node's or a line's colour, by what it means (the CSS maps each to the theme's `--ok`, `--bad`, ...). */
export type Tone = 'ok' | 'info' | 'warn' | 'bad' | 'muted' | 'neutral';

/** What was learned at one SSH hop. */
export type HopState =
  /** Logged in; the host key was checked (`match`, `accepted-new`). */
  | { kind: 'logged-in'; keyStatus: string; keyType: string; fingerprint: string }
  /** The chain failed further on, so this hop was passed; its key is not in the record. */
  | { kind: 'passed' }
  | { kind: 'failed'; errorKind: string; message: string }
  | { kind: 'not-reached' }
  /** The run is going and the login has not been tried yet. */
  | { kind: 'waiting' }
  /** The run ended without trying (every address answered, or it was cancelled first). */
  | { kind: 'not-tried' }
  /** The login failed, but the record does not say at which hop. */
  | { kind: 'unknown' };

export interface Hop {
  /** `user@host[:port]`, as the engine wrote it. */
  name: string;
  state: HopState;
}

/** The SSH chain the person asked for (the form's texts): drawn before the login is tried. */
export interface SshPlan {
  destination: string;
  jumps: readonly string[];
}

export interface PathFacts {
  target: Pick<Target, 'host' | 'port' | 'hostKind'>;
  /** Jump hosts in order; empty without SSH or without jumps. */
  jumps: readonly Hop[];
  /** The server logged in to over SSH; null when no SSH access was given. */
  server: Hop | null;
  /** The server's commands were read (`server-facts` evidence). */
  serverRead: boolean;
  /** A person pasted server output (manual mode). */
  pasted: boolean;
  rows: readonly AddressRow[];
  running: boolean;
}

export interface PathFactsInput {
  evidence: readonly Evidence[];
  sshFailure: Report['sshFailure'];
  target: Pick<Target, 'host' | 'port' | 'hostKind'>;
  rows: readonly AddressRow[];
  running: boolean;
  /** The chain asked for, if known: lets the hops show before the login is tried. */
  plan?: SshPlan | null;
}

type SshLogin = Extract<Evidence['facts'], { check: 'ssh-login' }>;

/** `user@host:22` and `user@host` are the same hop; the form's text is normalised like the engine's. */
function normaliseDestination(text: string): string {
  const parsed = parseSshDestination(text);
  return parsed.ok ? formatSshDestination(parsed.value) : text.trim();
}

/** The failed login's command is `ssh -J jump1 -J jump2 server` (built by the engine; names have no spaces). */
function chainFromCommand(command: string): { jumps: string[]; server: string } | null {
  const words = command.trim().split(/\s+/);
  if (words[0] !== 'ssh' || words.length < 2) return null;
  const jumps: string[] = [];
  for (let i = 1; i < words.length - 1; i++) {
    if (words[i] === '-J' && i + 1 < words.length - 1) jumps.push(words[++i] as string);
    else return null;
  }
  return { jumps, server: words[words.length - 1] as string };
}

/**
 * Which hop failed, 1-based, jumps first and the server last; 0 when the record does not say. The
 * report's `sshFailure` says it; while the run is still going only the message does ("jump host 2 of
 * 3, ...", the engine's `describeHop`).
 */
function failedHopIndex(sshFailure: Report['sshFailure'], summary: string, total: number): number {
  if (sshFailure) return sshFailure.hop;
  const counted = /^(?:jump|target) host (\d+) of (\d+), /.exec(summary);
  if (counted) return Number(counted[1]);
  if (summary.startsWith('target host ')) return total;
  if (summary.startsWith('jump host ')) return 1;
  return 0;
}

function chainStates(names: readonly string[], failed: number, errorKind: string, message: string): HopState[] {
  const known = failed >= 1 && failed <= names.length;
  return names.map((_, i): HopState => {
    const index = i + 1;
    if (!known) return index === names.length ? { kind: 'failed', errorKind, message } : { kind: 'unknown' };
    if (index < failed) return { kind: 'passed' };
    if (index === failed) return { kind: 'failed', errorKind, message };
    return { kind: 'not-reached' };
  });
}

/** Reads what the evidence says about each place on the path. */
export function pathFacts(input: PathFactsInput): PathFacts {
  const { evidence, sshFailure, target, rows, running, plan } = input;
  const serverRead = evidence.some((e) => e.facts.check === 'server-facts');
  const pasted = evidence.some((e) => e.origin === 'pasted' || e.facts.check === 'pasted');
  // The latest login is the one that counts (a person may have answered and the run gone on).
  const loginEvidence = evidence.findLast((e) => e.facts.check === 'ssh-login');
  const login: SshLogin | null = loginEvidence?.facts.check === 'ssh-login' ? loginEvidence.facts : null;
  const base = { target, serverRead, pasted, rows, running };

  if (loginEvidence && login?.ok) {
    // The engine lists every hop, jumps first and the server last.
    const hops = login.hops.map((h): Hop => ({
      name: h.hop,
      state: { kind: 'logged-in', keyStatus: h.status, keyType: h.keyType, fingerprint: h.fingerprint },
    }));
    const serverHop = hops.pop();
    return { ...base, jumps: hops, server: { name: login.server, state: serverHop?.state ?? { kind: 'logged-in', keyStatus: 'unknown', keyType: '', fingerprint: '' } } };
  }
  if (loginEvidence && login) {
    const chain = chainFromCommand(loginEvidence.command) ?? {
      jumps: (plan?.jumps ?? []).map(normaliseDestination),
      server: login.server,
    };
    const names = [...chain.jumps, chain.server];
    const errorKind = login.errorKind ?? sshFailure?.kind ?? 'error';
    const message = sshFailure?.message ?? loginEvidence.summary;
    const states = chainStates(names, failedHopIndex(sshFailure, loginEvidence.summary, names.length), errorKind, message);
    const hops = names.map((name, i): Hop => ({ name, state: states[i] as HopState }));
    const serverHop = hops.pop() as Hop;
    return { ...base, jumps: hops, server: serverHop };
  }
  if (plan) {
    const state: HopState = running ? { kind: 'waiting' } : { kind: 'not-tried' };
    return {
      ...base,
      jumps: plan.jumps.filter((j) => j.trim() !== '').map((j) => ({ name: normaliseDestination(j), state })),
      server: { name: normaliseDestination(plan.destination), state },
    };
  }
  return { ...base, jumps: [], server: null };
}

// ---------------------------------------------------------------------------------------------
// Words

/** Each SSH failure kind (shared/node/ssh/errors.ts), as a person would say it. */
const failureWords: Readonly<Record<string, string>> = {
  'host-key-changed': 'host key changed',
  'host-key-revoked': 'host key revoked',
  'host-key-unknown': 'host key not trusted',
  'host-key-rejected': 'host key rejected',
  'auth-failed': 'login refused',
  'connect-failed': 'could not connect',
  timeout: 'timed out',
  cancelled: 'cancelled',
  'key-unreadable': 'key file unreadable',
  protocol: 'SSH protocol error',
  error: 'error',
};

/** Failures before the hop answered at all: the line to it is drawn as not reached. */
const unreachedKinds = new Set(['connect-failed', 'timeout', 'cancelled']);

export function failureWord(kind: string): string {
  return failureWords[kind] ?? kind;
}

/**
 * The glyph drawn for each probe status. As `statusGlyph`, except the timeout: ⏱ (U+23F1) is in no
 * DejaVu or Liberation font, so on a stock Linux desktop it is drawn as an empty box; ◷ is in both.
 */
export const pictureGlyph: Readonly<Record<ConnectStatus, string>> = { ...statusGlyph, timeout: '◷' };

/** The tone of each probe status: a refusal is bad news, a timeout a warning. */
export const statusTone: Readonly<Record<ConnectStatus, Tone>> = {
  connected: 'ok',
  refused: 'bad',
  reset: 'bad',
  unreachable: 'bad',
  timeout: 'warn',
};

interface Look {
  tone: Tone;
  /** The status line on the box: a glyph and a few words. */
  status: string;
  /** The same, as a clause of a sentence. */
  sentence: string;
  /** Something is in progress here (drawn with a pulse). */
  active: boolean;
  /** The line into this place is solid (reached) or dashed (not reached). */
  reached: boolean;
}

function hopLook(state: HopState): Look {
  switch (state.kind) {
    case 'logged-in': {
      const key = state.keyType ? ` (${state.keyType} ${state.fingerprint})` : '';
      if (state.keyStatus === 'accepted-new') {
        return { tone: 'info', status: '✓ new host key trusted', sentence: `logged in; its host key was new and was trusted on first use${key}`, active: false, reached: true };
      }
      if (state.keyStatus === 'match') {
        return { tone: 'ok', status: '✓ logged in', sentence: `logged in; its host key matched the known one${key}`, active: false, reached: true };
      }
      return { tone: 'ok', status: `✓ logged in (${state.keyStatus})`, sentence: `logged in; host key: ${state.keyStatus}${key}`, active: false, reached: true };
    }
    case 'passed':
      return { tone: 'ok', status: '✓ passed', sentence: 'reached and passed; the login failed further on', active: false, reached: true };
    case 'failed': {
      const word = failureWord(state.errorKind);
      // The engine's message names the hop first ("jump host 2 of 3, bob@middle:22: ..."); the box already does.
      const detail = state.message
        .trim()
        .replace(/^(?:jump|target) host (?:\d+ of \d+, )?\S+: /, '')
        .replace(/\.$/, '');
      return {
        tone: state.errorKind === 'cancelled' ? 'warn' : 'bad',
        // The glyph, the tone and the title say "failed"; the box has room for the kind only.
        status: `✕ ${word}`,
        sentence: `the login failed here (${word}, ${state.errorKind})${detail ? `: ${detail}` : ''}`,
        active: false,
        reached: !unreachedKinds.has(state.errorKind),
      };
    }
    case 'not-reached':
      return { tone: 'muted', status: '– not reached', sentence: 'not reached: the login failed before it', active: false, reached: false };
    case 'waiting':
      return { tone: 'muted', status: '… not tried yet', sentence: 'not tried yet', active: false, reached: false };
    case 'not-tried':
      return { tone: 'muted', status: '– not tried', sentence: 'SSH was not tried', active: false, reached: false };
    case 'unknown':
      return { tone: 'muted', status: '? not known', sentence: 'the record does not say whether it was reached', active: false, reached: false };
  }
}

function serverLook(facts: PathFacts): Look {
  const pastedClause = facts.pasted ? '; a person pasted output from it' : '';
  const { server } = facts;
  if (server === null || server.state.kind === 'not-tried' || server.state.kind === 'waiting') {
    if (facts.pasted) return { tone: 'info', status: '✎ pasted by a person', sentence: 'not logged in to; a person pasted output from it', active: false, reached: false };
    if (server) return hopLook(server.state);
    return facts.running
      ? { tone: 'muted', status: '– not inspected yet', sentence: 'not inspected yet', active: false, reached: false }
      : { tone: 'muted', status: '– not inspected', sentence: 'not inspected (no SSH access was given)', active: false, reached: false };
  }
  const look = hopLook(server.state);
  if (server.state.kind !== 'logged-in') return { ...look, sentence: look.sentence + pastedClause };
  if (facts.serverRead) {
    const status = server.state.keyStatus === 'accepted-new' ? '✓ read (new host key)' : '✓ logged in, read';
    return { ...look, status, sentence: `${look.sentence}; its state was read${pastedClause}` };
  }
  if (facts.running) return { ...look, status: '✓ logged in, reading…', sentence: `${look.sentence}; reading its state${pastedClause}`, active: true };
  return { ...look, sentence: look.sentence + pastedClause };
}

function attemptsOf(row: AddressRow): ProbeAttempt[] {
  return Object.values(row.attempts).sort((a, b) => a.round - b.round);
}

/** What the probes of one address came to: one status, a mix, or nothing yet. */
export function addressLook(row: AddressRow, running: boolean): Look {
  const attempts = attemptsOf(row);
  const soFar = running ? ' so far' : '';
  if (attempts.length === 0) {
    return running
      ? { tone: 'muted', status: '… probing', sentence: 'probing, no answer yet', active: true, reached: false }
      : { tone: 'muted', status: '– not probed', sentence: 'not probed', active: false, reached: false };
  }
  const counts = new Map<ConnectStatus, number>();
  for (const a of attempts) counts.set(a.status, (counts.get(a.status) ?? 0) + 1);
  const n = attempts.length;
  if (counts.size === 1) {
    const status = (attempts[0] as ProbeAttempt).status;
    const word = statusWord[status].toLowerCase();
    const sentence = n === 1 ? `${word} in the only attempt${soFar}` : `${word} in all ${n} attempts${soFar}`;
    return { tone: statusTone[status], status: `${pictureGlyph[status]} ${word} ×${n}`, sentence, active: running, reached: true };
  }
  const parts = [...counts].sort((a, b) => b[1] - a[1]);
  return {
    tone: 'warn',
    status: `≠ mixed ${parts.map(([s, c]) => `${c}${pictureGlyph[s]}`).join(' ')}`,
    sentence: `mixed${soFar}: ${parts.map(([s, c]) => `${c} ${statusWord[s].toLowerCase()}`).join(', ')}`,
    active: running,
    reached: true,
  };
}

// ---------------------------------------------------------------------------------------------
// Text that fits

/**
 * Cuts `text` to `max` characters by removing its middle: both ends of an IPv6 address or a host
 * name are the parts a person tells them apart by. The full text goes in the node's `<title>`.
 */
export function truncateMiddle(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return max <= 0 ? '' : '…';
  const keep = max - 1;
  const head = Math.ceil(keep / 2);
  const tail = keep - head;
  return `${text.slice(0, head)}…${tail > 0 ? text.slice(-tail) : ''}`;
}

export function truncateEnd(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return max <= 0 ? '' : '…';
  return `${text.slice(0, max - 1)}…`;
}

// ---------------------------------------------------------------------------------------------
// Layout

export type NodeKind = 'workstation' | 'jump' | 'server' | 'address';

export interface PathNode {
  id: string;
  kind: NodeKind;
  x: number;
  y: number;
  w: number;
  h: number;
  /** The small line above the name ("Jump host 2 of 3", "IPv6 address"). */
  role: string;
  /** The name as drawn (cut to fit) and in full. */
  label: string;
  fullLabel: string;
  /** Names and addresses are set in the monospace font. */
  mono: boolean;
  /** The status line: a glyph and a few words, so colour is never the only carrier. */
  status: string;
  tone: Tone;
  active: boolean;
  /** One sentence that says everything the box says, for the tooltip and the text description. */
  title: string;
}

export interface PathEdge {
  id: string;
  points: readonly (readonly [number, number])[];
  /** The arrowhead at the end of the line. */
  arrow: readonly (readonly [number, number])[] | null;
  tone: Tone;
  /** Not reached (or not yet probed). */
  dashed: boolean;
  label: { text: string; x: number; y: number; anchor: 'start' | 'middle' } | null;
}

export interface PathLayout {
  width: number;
  height: number;
  nodes: readonly PathNode[];
  edges: readonly PathEdge[];
  /** The box around the server and its addresses, captioned with the target (`fullLabel` is its tooltip). */
  group: { x: number; y: number; w: number; h: number; label: string; fullLabel: string };
  /** The picture's name (its `<title>`). */
  title: string;
  /** The picture in words (screen readers read this instead). */
  description: string;
}

/** Sizes in SVG user units (CSS pixels at scale 1). Character budgets match the component's font sizes. */
export const PATH_GEOMETRY = {
  pad: 12,
  nodeWidth: 168,
  nodeHeight: 58,
  gapX: 40,
  gapY: 14,
  groupPad: 8,
  groupCaption: 22,
  /** 12.5px monospace is about 7.5px a character; 11px sans about 6.1px; 10px capitals about 7px. */
  labelChars: 19,
  statusChars: 24,
  roleChars: 21,
  groupChars: 24,
} as const;

const ARROW = 6;

function arrowAt(x: number, y: number): [number, number][] {
  return [
    [x, y],
    [x - ARROW, y - ARROW * 0.65],
    [x - ARROW, y + ARROW * 0.65],
  ];
}

function edgeTone(look: Look): Tone {
  return look.reached ? look.tone : 'muted';
}

/** Positions every box and line. Pure and deterministic: the same facts give the same picture. */
export function layoutPath(facts: PathFacts): PathLayout {
  const g = PATH_GEOMETRY;
  const columns = facts.jumps.length + 2;
  const rowY = (row: number) => g.pad + g.groupCaption + row * (g.nodeHeight + g.gapY);
  const colX = (col: number) => g.pad + col * (g.nodeWidth + g.gapX);
  const lastX = colX(columns - 1);
  const targetText = formatTarget(facts.target);

  const node = (n: Omit<PathNode, 'w' | 'h' | 'label' | 'status'> & { status: string }): PathNode => ({
    ...n,
    w: g.nodeWidth,
    h: g.nodeHeight,
    role: truncateEnd(n.role, g.roleChars),
    label: n.mono ? truncateMiddle(n.fullLabel, g.labelChars) : truncateEnd(n.fullLabel, g.labelChars),
    status: truncateEnd(n.status, g.statusChars),
  });

  const nodes: PathNode[] = [];
  const edges: PathEdge[] = [];

  const workstation = node({
    id: 'workstation',
    kind: 'workstation',
    x: colX(0),
    y: rowY(0),
    role: 'Start',
    fullLabel: 'This computer',
    mono: false,
    status: 'probes start here',
    tone: 'neutral',
    active: false,
    title: 'This computer: the connection attempts and the SSH login start here.',
  });
  nodes.push(workstation);

  // The SSH chain, along the top row.
  const total = facts.jumps.length + 1;
  let previous = workstation;
  facts.jumps.forEach((hop, i) => {
    const look = hopLook(hop.state);
    const n = node({
      id: `jump-${i + 1}`,
      kind: 'jump',
      x: colX(i + 1),
      y: rowY(0),
      role: `Jump host ${i + 1} of ${facts.jumps.length}`,
      fullLabel: hop.name,
      mono: true,
      status: look.status,
      tone: look.tone,
      active: look.active,
      title: `Jump host ${i + 1} of ${facts.jumps.length}, ${hop.name}: ${look.sentence}.`,
    });
    edges.push(chainEdge(previous, n, look, i === 0));
    nodes.push(n);
    previous = n;
  });

  const server = serverLook(facts);
  const serverName = facts.server?.name ?? facts.target.host;
  const serverNode = node({
    id: 'server',
    kind: 'server',
    x: lastX,
    y: rowY(0),
    role: facts.server ? (total > 1 ? `Server (hop ${total} of ${total})` : 'Server (SSH)') : 'Server',
    fullLabel: serverName,
    mono: true,
    status: server.status,
    tone: server.tone,
    active: server.active,
    title: `Server ${serverName}: ${server.sentence}.`,
  });
  // Without SSH there is no line to the server: nothing went there.
  if (facts.server) edges.push(chainEdge(previous, serverNode, server, facts.jumps.length === 0));
  nodes.push(serverNode);

  // The probes: a trunk down from this computer, then one branch to each address.
  const trunkX = workstation.x + g.nodeWidth / 2;
  const addressNodes: PathNode[] =
    facts.rows.length === 0
      ? [
          node({
            id: 'address-none',
            kind: 'address',
            x: lastX,
            y: rowY(1),
            role: 'Address',
            fullLabel: facts.running ? 'Resolving…' : 'No address',
            mono: false,
            status: facts.running ? '… not probed yet' : '– not probed',
            tone: 'muted',
            active: facts.running,
            title: facts.running ? `The addresses of ${facts.target.host} are not known yet.` : 'No address was probed.',
          }),
        ]
      : facts.rows.map((row, i) => {
          const look = addressLook(row, facts.running);
          const family = familyLabel(row.address.family);
          return node({
            id: `address-${i + 1}`,
            kind: 'address',
            x: lastX,
            y: rowY(i + 1),
            role: `${family} address`,
            fullLabel: row.address.address,
            mono: true,
            status: look.status,
            tone: look.tone,
            active: look.active,
            title: `${family} address ${row.address.address}, port ${facts.target.port}: ${look.sentence}.`,
          });
        });
  const lastAddress = addressNodes[addressNodes.length - 1] as PathNode;
  const trunkEnd = lastAddress.y + g.nodeHeight / 2;
  edges.push({ id: 'probe-trunk', points: [[trunkX, workstation.y + g.nodeHeight], [trunkX, trunkEnd]], arrow: null, tone: 'neutral', dashed: false, label: null });
  addressNodes.forEach((n, i) => {
    const y = n.y + g.nodeHeight / 2;
    const row = facts.rows[i];
    const look = row ? addressLook(row, facts.running) : null;
    edges.push({
      id: `probe-${n.id}`,
      points: [[trunkX, y], [n.x, y]],
      arrow: arrowAt(n.x, y),
      tone: look && look.reached ? look.tone : 'muted',
      dashed: !look || !look.reached,
      label: i === 0 ? { text: `TCP to port ${facts.target.port}`, x: trunkX + 8, y: y - 6, anchor: 'start' } : null,
    });
    nodes.push(n);
  });

  const groupY = g.pad;
  const group = {
    x: lastX - g.groupPad,
    y: groupY,
    w: g.nodeWidth + 2 * g.groupPad,
    h: trunkEnd + g.nodeHeight / 2 + g.groupPad - groupY,
    label: truncateMiddle(targetText, g.groupChars),
    fullLabel: `The target, ${targetText}: the server and its addresses`,
  };

  const sshSentence = facts.server
    ? facts.jumps.length === 0
      ? 'SSH goes straight to the server.'
      : `SSH goes through ${facts.jumps.length} jump host${facts.jumps.length === 1 ? '' : 's'} to the server.`
    : 'No SSH access was used.';
  const probeSentence =
    facts.rows.length === 0 ? '' : ` The connection attempts go from this computer straight to ${facts.rows.length === 1 ? 'the address' : `each of the ${facts.rows.length} addresses`}.`;
  const description = [`Path from this computer to ${targetText}. ${sshSentence}${probeSentence}`, ...nodes.map((n) => n.title)].join(' ');

  return {
    width: lastX + g.nodeWidth + g.groupPad + g.pad,
    height: group.y + group.h + g.pad,
    nodes,
    edges,
    group,
    title: `Path from this computer to ${targetText}`,
    description,
  };

  function chainEdge(from: PathNode, to: PathNode, look: Look, first: boolean): PathEdge {
    const y = from.y + g.nodeHeight / 2;
    const x1 = from.x + from.w;
    const x2 = to.x;
    return {
      id: `ssh-${to.id}`,
      points: [[x1, y], [x2, y]],
      arrow: arrowAt(x2, y),
      tone: edgeTone(look),
      dashed: !look.reached,
      label: first ? { text: 'SSH', x: (x1 + x2) / 2, y: y - 6, anchor: 'middle' } : null,
    };
  }
}
