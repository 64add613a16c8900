import os from 'node:os';
import { buildDiagnosis } from '../common/causes/diagnosis';
import type { DiagnosisEvent } from '../common/schema/events';
import type { ProbeAttempt, ProbeOptions } from '../common/schema/probe';
import { REPORT_SCHEMA, type Evidence, type Report } from '../common/schema/report';
import { formatTarget, type Target } from '../common/schema/target';
import { evaluate } from '../common/tree/evaluate';
import { isLocalAddress, overallOutcome, type DiagnosisFacts } from '../common/tree/facts';
import { resolveTarget, defaultResolveOptions } from './probes/dns';
import { readLocalListeners } from './probes/listeners';
import { proxySettingsFor } from './probes/proxy';
import { runProbes } from './probes/run-probes';
import { VERSION } from './version';

export interface DiagnosisRequest {
  runId: string;
  /** What the user typed, kept for the report. */
  input: string;
  target: Target;
  options: ProbeOptions;
  onEvent: (event: DiagnosisEvent) => void;
  env?: NodeJS.ProcessEnv;
}

export type RunEnd = { status: 'finished'; report: Report } | { status: 'cancelled' } | { status: 'failed'; message: string; detail: string };

export interface RunningDiagnosis {
  runId: string;
  cancel(): void;
  done: Promise<RunEnd>;
}

/** Starts one diagnosis: resolve, probe, read local evidence, walk the tree. Streams events; cancellable. */
export function startDiagnosis(request: DiagnosisRequest): RunningDiagnosis {
  const controller = new AbortController();
  const done = runDiagnosis(request, controller.signal).then(
    (end) => {
      request.onEvent(end.status === 'finished' ? { type: 'finished', report: end.report } : end.status === 'cancelled' ? { type: 'cancelled' } : { type: 'failed', message: end.message, detail: end.detail });
      return end;
    },
    (error: unknown) => {
      const end: RunEnd = { status: 'failed', message: 'The diagnosis stopped on an internal error.', detail: error instanceof Error ? (error.stack ?? error.message) : String(error) };
      request.onEvent({ type: 'failed', message: end.message, detail: end.detail });
      return end;
    },
  );
  return { runId: request.runId, cancel: () => controller.abort(), done };
}

async function runDiagnosis(request: DiagnosisRequest, signal: AbortSignal): Promise<RunEnd> {
  const { target, options, onEvent } = request;
  const startedAt = new Date();
  const evidence: Evidence[] = [];
  const addEvidence = (item: Evidence) => {
    evidence.push(item);
    onEvent({ type: 'evidence', evidence: item });
  };
  onEvent({ type: 'started', target, options, at: startedAt.toISOString() });

  const proxy = proxySettingsFor(target, request.env ?? process.env);
  addEvidence({
    id: 'proxy-env',
    where: 'workstation',
    command: 'read HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY (either case)',
    startedAt: new Date().toISOString(),
    ms: 0,
    status: 'ok',
    summary: proxy.variables.length === 0 ? 'No proxy variables are set.' : `${proxy.variables.map((v) => `${v.name}=${v.value}`).join(', ')}${proxy.proxyForTarget ? `; ${formatTarget(target)} would go through ${proxy.proxyForTarget}` : ''}.`,
    raw: null,
    facts: { check: 'proxy-env', proxy },
  });

  const dnsStarted = new Date();
  const { resolution, raw: dnsRaw } = await resolveTarget(target, defaultResolveOptions, signal);
  if (signal.aborted) return { status: 'cancelled' };
  onEvent({ type: 'resolved', resolution });
  addEvidence({
    id: 'dns',
    where: 'workstation',
    command: target.hostKind === 'name' ? `getaddrinfo("${target.host}") + DNS A/AAAA queries + hosts file` : 'none (address literal)',
    startedAt: dnsStarted.toISOString(),
    ms: resolution.ms,
    status: resolution.status === 'resolved' ? 'ok' : 'error',
    summary: resolution.status === 'resolved' ? `${resolution.addresses.map((a) => `${a.address} (${a.sources.join('+')})`).join(', ')}` : `${resolution.errno}: ${resolution.message}`,
    raw: dnsRaw,
    facts: { check: 'dns', resolution },
  });

  let probes: ProbeAttempt[] = [];
  let localListeners: DiagnosisFacts['localListeners'] = null;
  if (resolution.status === 'resolved') {
    const probeStarted = new Date();
    const allLocal = resolution.addresses.every(isLocalAddress);
    const listenerRead = allLocal ? readLocalListeners() : null;
    probes = await runProbes(resolution.addresses, target.port, options, (attempt) => onEvent({ type: 'probe', attempt }), signal);
    if (signal.aborted) return { status: 'cancelled' };
    addEvidence({
      id: 'tcp-probe',
      where: 'workstation',
      command: `TCP connect to each address on port ${target.port}, ${options.rounds} round(s), ${options.timeoutMs} ms deadline`,
      startedAt: probeStarted.toISOString(),
      ms: Date.now() - probeStarted.getTime(),
      status: 'ok',
      summary: summariseProbes(probes),
      raw: null,
      facts: { check: 'tcp-probe', attempts: probes },
    });
    if (listenerRead) {
      const listenersStarted = new Date();
      const read = await listenerRead;
      localListeners = read.table;
      addEvidence({
        id: 'local-listeners',
        where: 'workstation',
        command: read.command,
        startedAt: listenersStarted.toISOString(),
        ms: Date.now() - listenersStarted.getTime(),
        status: read.table.status === 'ok' ? 'ok' : 'unsupported',
        summary: read.table.status === 'ok' ? listenerSummary(read.table.listeners.filter((l) => l.port === target.port), target.port) : read.table.reason,
        raw: read.raw || null,
        facts: { check: 'local-listeners', table: read.table },
      });
    }
  }

  const facts: DiagnosisFacts = { target, resolution, probes, localListeners, proxy };
  const { path, verdict } = evaluate(facts);
  for (const step of path) onEvent({ type: 'step', step });
  const report: Report = {
    schema: REPORT_SCHEMA,
    tool: { name: 'portwise', version: VERSION },
    target: { ...target, input: request.input },
    options,
    workstation: { platform: process.platform, release: os.release(), runtime: `node ${process.versions.node}` },
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    outcome: overallOutcome(facts),
    diagnosis: buildDiagnosis(verdict, target),
    path,
    evidence,
  };
  return { status: 'finished', report };
}

function summariseProbes(attempts: readonly ProbeAttempt[]): string {
  const byAddress = new Map<string, string[]>();
  for (const a of attempts) byAddress.set(a.address, [...(byAddress.get(a.address) ?? []), `${a.status}${a.errno ? ` ${a.errno}` : ''} ${a.ms.toFixed(1)} ms`]);
  return [...byAddress].map(([address, list]) => `${address}: ${list.join(', ')}`).join('; ');
}

function listenerSummary(listeners: { address: string; port: number }[], port: number): string {
  return listeners.length === 0 ? `Nothing listens on port ${port}.` : `Listening on port ${port}: ${listeners.map((l) => (l.address.includes(':') ? `[${l.address}]` : l.address)).join(', ')}.`;
}
