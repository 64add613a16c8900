/** Small builders of DiagnosisFacts for table-driven tree tests. Defaults are plausible, never magic. */
import type { Answers } from '../../../shared/common/schema/answers';
import { buildDiagnosis } from '../../../shared/common/causes/diagnosis';
import { isLoopbackAddress } from '../../../shared/common/net/address';
import type { Listener, ListenerTable } from '../../../shared/common/schema/listener';
import { defaultProbeOptions, type ConnectStatus, type ProbeAttempt, type Resolution, type ResolvedAddress } from '../../../shared/common/schema/probe';
import type { ProxySettings } from '../../../shared/common/schema/proxy';
import { REPORT_SCHEMA, type Report } from '../../../shared/common/schema/report';
import { parseTarget, type Target } from '../../../shared/common/schema/target';
import { expect } from 'vitest';
import { isCauseId, type CauseId } from '../../../shared/common/causes/catalog';
import { causeDefinitions } from '../../../shared/common/causes/definitions';
import { Diagnosis, type Confidence } from '../../../shared/common/schema/report';
import { evaluate } from '../../../shared/common/tree/evaluate';
import { ROOT_NODE, treeNodes } from '../../../shared/common/tree/nodes';
import type { NodeId } from '../../../shared/common/tree/types';
import { overallOutcome, type DiagnosisFacts } from '../../../shared/common/tree/facts';
import type { RemoteFacts } from '../../../shared/common/tree/remote-facts';

export function target(input: string): Target {
  const r = parseTarget(input);
  if (!r.ok) throw new Error(`bad test target ${input}: ${r.error.message}`);
  return r.value;
}

/** One resolved address; loopback is derived, `localInterface` marks the workstation's own address. */
export function addr(address: string, over: Partial<ResolvedAddress> = {}): ResolvedAddress {
  return { address, family: address.includes(':') ? 6 : 4, sources: ['dns'], loopback: isLoopbackAddress(address), localInterface: null, ...over };
}

export function resolved(name: string, addresses: ResolvedAddress[]): Resolution {
  return { status: 'resolved', name, addresses, dnsQueried: true, dnsOnlyAddresses: [], hostsFile: '/etc/hosts', ms: 3 };
}

export function failedResolution(name: string, errno = 'ENOTFOUND'): Resolution {
  return { status: 'failed', name, errno, message: `lookup ${name} failed`, ms: 20 };
}

const defaults: Record<ConnectStatus, Pick<ProbeAttempt, 'ms' | 'errno' | 'afterConnect'>> = {
  refused: { ms: 0.2, errno: 'ECONNREFUSED', afterConnect: false },
  connected: { ms: 0.3, errno: null, afterConnect: false },
  timeout: { ms: 3000, errno: 'ETIMEDOUT', afterConnect: false },
  unreachable: { ms: 3, errno: 'EHOSTUNREACH', afterConnect: false },
  reset: { ms: 0.4, errno: 'ECONNRESET', afterConnect: true },
};

let clock = 1_700_000_000_000;

export function attempt(address: string, status: ConnectStatus, over: Partial<ProbeAttempt> = {}): ProbeAttempt {
  return {
    address,
    family: address.includes(':') ? 6 : 4,
    port: 5432,
    round: 1,
    startedAt: clock++,
    status,
    detail: status,
    banner: null,
    ...defaults[status],
    ...over,
  };
}

/** One attempt per round for one address: `rounds('10.0.0.1', 'refused', 'connected')`. */
export function rounds(address: string, ...statuses: (ConnectStatus | [ConnectStatus, Partial<ProbeAttempt>])[]): ProbeAttempt[] {
  return statuses.map((s, i) => (Array.isArray(s) ? attempt(address, s[0], { round: i + 1, ...s[1] }) : attempt(address, s, { round: i + 1 })));
}

export function listener(address: string, port: number, over: Partial<Listener> = {}): Listener {
  return { address, port, family: address.includes(':') ? 6 : 4, v6only: null, device: null, uid: 1000, inode: 4242, processes: [], ...over };
}

export function listenerTable(...listeners: Listener[]): ListenerTable {
  return { status: 'ok', source: '/proc/net/tcp', listeners };
}

export const unavailableTable: ListenerTable = { status: 'unavailable', source: 'listener table', reason: 'reading listeners on darwin is not supported yet' };

export function facts(
  input: string,
  resolution: Resolution,
  probes: ProbeAttempt[],
  extra: { localListeners?: ListenerTable | null; proxy?: ProxySettings | null; remote?: RemoteFacts | null; baseline?: DiagnosisFacts['baseline']; serviceHint?: string | null; symptom?: DiagnosisFacts['symptom'] } = {},
): DiagnosisFacts {
  const t = target(input);
  return {
    target: t,
    resolution,
    probes: probes.map((p) => ({ ...p, port: t.port })),
    localListeners: extra.localListeners ?? null,
    proxy: extra.proxy ?? null,
    remote: extra.remote ?? null,
    baseline: extra.baseline ?? null,
    serviceHint: extra.serviceHint ?? null,
    symptom: extra.symptom ?? null,
  };
}

/** A full Report, built from facts through the real tree and diagnosis, as the session would. */
export function reportFrom(f: DiagnosisFacts, input = `${f.target.host}:${f.target.port}`, answers: Answers = {}): Report {
  const { path, verdict, pending } = evaluate(f, { answers });
  return {
    schema: REPORT_SCHEMA,
    tool: { name: 'portwise', version: '0.0.0-test' },
    target: { ...f.target, input },
    options: defaultProbeOptions,
    service: f.serviceHint,
    symptom: f.symptom,
    workstation: { platform: 'linux', release: '6.18.44', runtime: 'node 20.20.2' },
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:00:01.000Z',
    outcome: overallOutcome(f),
    diagnosis: buildDiagnosis(verdict, f.target, { serviceHint: f.serviceHint, processNames: [] }),
    path,
    pending,
    answers,
    evidence: [],
    sshFailure: null,
  };
}

/** Every evaluation, whatever its facts: a path from the root, no node twice, real nodes and catalog ids, pure, and words that pass the schema. */
export function expectWellFormed(f: DiagnosisFacts): void {
  const { path, verdict } = evaluate(f);
  expect(path[0]?.node).toBe(ROOT_NODE);
  expect(new Set(path.map((s) => s.node)).size).toBe(path.length);
  path.forEach((step, i) => {
    const node = treeNodes[step.node as NodeId];
    expect(node, step.node).toBeDefined();
    expect(step.title).toBe(node.title);
    expect(step.reason.length).toBeGreaterThan(10);
    const following = path[i + 1];
    if (following) expect(step.next).toBe(following.node);
  });
  expect(path.at(-1)?.next).toBe(verdict.cause);
  expect(verdict.cause in causeDefinitions).toBe(true);
  for (const id of verdict.candidates) expect(isCauseId(id), id).toBe(true);
  expect(new Set(verdict.candidates).size).toBe(verdict.candidates.length);
  expect(evaluate(f)).toEqual({ path, verdict, pending: evaluate(f).pending });
  expect(() => Diagnosis.parse(buildDiagnosis(verdict, f.target))).not.toThrow();
}

/** A table row of the tree tests: the facts, and what the evaluation must say about them. */
export interface VerdictCase {
  name: string;
  facts: DiagnosisFacts;
  path: NodeId[];
  cause: string;
  confidence?: Confidence;
  candidates?: CauseId[];
  notCandidates?: CauseId[];
  missing?: RegExp;
  /** Evidence the verdict's reason must quote (a string is looked for as is). */
  reason?: RegExp | string | readonly (RegExp | string)[];
  /** A reason some step on the path must give. */
  step?: [NodeId, RegExp | string];
}

function expectText(text: string | undefined, want: RegExp | string): void {
  if (typeof want === 'string') expect(text).toContain(want);
  else expect(text).toMatch(want);
}

/** The path, the cause and its confidence, and that inconclusive verdicts (only) name what is missing. */
export function expectVerdict(c: VerdictCase): void {
  const { path, verdict, pending } = evaluate(c.facts);
  expect(path.map((s) => s.node)).toEqual(c.path);
  expect(verdict.cause).toBe(c.cause);
  if (c.confidence) expect(verdict.confidence).toBe(c.confidence);
  if (c.cause === 'inconclusive') {
    expect(verdict.confidence).toBe('low');
    expect(verdict.candidates.length).toBeGreaterThan(0);
    expect(verdict.missing.length).toBeGreaterThan(0);
  } else {
    expect(verdict.candidates).toEqual([]);
    // A leaf reached as an unanswered question's fallback names what would confirm it.
    expect(verdict.missing).toEqual(pending ? pending.missing : []);
  }
  for (const id of c.candidates ?? []) expect(verdict.candidates).toContain(id);
  for (const id of c.notCandidates ?? []) expect(verdict.candidates).not.toContain(id);
  if (c.missing) expect(verdict.missing.join('\n')).toMatch(c.missing);
  const reasons = c.reason === undefined ? [] : Array.isArray(c.reason) ? c.reason : [c.reason];
  for (const r of reasons as (RegExp | string)[]) expectText(verdict.reason, r);
  if (c.step) expectText(path.find((s) => s.node === c.step![0])?.reason, c.step[1]);
}
