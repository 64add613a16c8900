import type net from 'node:net';
import os from 'node:os';
import type { DiagnosisEvent } from '../common/schema/events';
import type { ProbeAttempt, ProbeOptions } from '../common/schema/probe';
import { REPORT_SCHEMA, type Evidence, type Report } from '../common/schema/report';
import { formatAddressPort, formatTarget, type Target } from '../common/schema/target';
import type { Answers } from '../common/schema/answers';
import type { Symptom } from '../common/schema/report';
import type { SshDestination } from '../common/schema/ssh-destination';
import { conclude } from '../common/tree/conclude';
import { isLocalAddress, medianMs, overallOutcome, type DiagnosisFacts } from '../common/tree/facts';
import { baselinePlacesRefusalNear } from '../common/tree/path-nodes';
import { resolveTarget, defaultResolveOptions } from './probes/dns';
import { readLocalListeners } from './probes/listeners';
import { proxySettingsFor } from './probes/proxy';
import { runProbes } from './probes/run-probes';
import { VERSION } from './version';
import { withRawDigest } from './output-digest';
import { formatSshDestination } from '../common/schema/ssh-destination';
import type { RemoteFacts } from '../common/tree/remote-facts';
import type { ResolvedAddress } from '../common/schema/probe';
import type { RemoteSession, SshAccess } from './remote/access';
import { isSshError } from './ssh/errors';
import type { PromptPort } from './ssh/prompt';
import { probeAddress } from './probes/tcp';
import { KeptSocket } from './ssh/kept-socket';
import { activityLog, type ActivityHandle, type ActivityLog } from './activity';
import { commandLabel } from '../common/remote/command-labels';
import { describeHop, type HopLabel } from '../common/schema/prompts';
import type { CommandObserver, CommandSpec } from './remote/runner';

/** SSH access for server-side evidence (the CLI's --ssh; the wizard's profiles later). */
export interface RemoteRequest {
  access: SshAccess;
  service: string | null;
  prompt: PromptPort;
  /**
   * A hop has logged in (the wizard saves a password the person asked to remember). Awaited before
   * the run goes on past the login, so whatever it reports comes before the run's end.
   */
  onHopLoggedIn?: (hop: HopLabel) => Promise<void>;
}

export interface DiagnosisRequest {
  runId: string;
  /** What the user typed, kept for the report. */
  input: string;
  target: Target;
  options: ProbeOptions;
  onEvent: (event: DiagnosisEvent) => void;
  env?: NodeJS.ProcessEnv;
  remote?: RemoteRequest | null;
  /** The service that should listen, as the user named it (for manual commands and the fix). */
  serviceHint?: string | null;
  /** What the user reported seeing. */
  symptom?: Symptom | null;
  /** A person's answers, pasted outputs and overrides, by node id (manual mode). */
  answers?: Answers;
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
  const addEvidence = (given: Evidence) => {
    const item = withRawDigest(given);
    evidence.push(item);
    onEvent({ type: 'evidence', evidence: item });
  };
  onEvent({ type: 'started', target, options, at: startedAt.toISOString() });
  const activities = activityLog((activity) => onEvent({ type: 'activity', activity }));

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
    origin: 'collected',
    facts: { check: 'proxy-env', proxy },
  });

  const dnsStarted = new Date();
  const lookup = activities.start(
    'dns',
    'workstation',
    target.hostKind === 'name' ? `Looking up ${target.host} (DNS A and AAAA, and the hosts file)` : `${target.host} is an address: no lookup needed`,
  );
  const { resolution, raw: dnsRaw } = await resolveTarget(target, defaultResolveOptions, signal);
  if (signal.aborted) return { status: 'cancelled' };
  lookup.end(resolution.status === 'resolved' ? 'done' : 'failed', resolution.status === 'resolved' ? undefined : `${target.host} did not resolve (${resolution.errno})`);
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
    origin: 'collected',
    facts: { check: 'dns', resolution },
  });

  let probes: ProbeAttempt[] = [];
  let localListeners: DiagnosisFacts['localListeners'] = null;
  if (resolution.status === 'resolved') {
    const probeStarted = new Date();
    const allLocal = resolution.addresses.every(isLocalAddress);
    const listenerRead = allLocal ? readLocalListeners() : null;
    const probing = activities.start(
      'probes',
      'workstation',
      `Connecting to ${resolution.addresses.length === 1 ? 'the address' : `${resolution.addresses.length} addresses`} on port ${target.port}, ${options.rounds} round${options.rounds === 1 ? '' : 's'}`,
    );
    probes = await runProbes(resolution.addresses, target.port, options, (attempt) => onEvent({ type: 'probe', attempt }), signal);
    if (signal.aborted) return { status: 'cancelled' };
    probing.end('done');
    addEvidence({
      id: 'tcp-probe',
      where: 'workstation',
      command: `TCP connect to each address on port ${target.port}, ${options.rounds} round(s), ${options.timeoutMs} ms deadline`,
      startedAt: probeStarted.toISOString(),
      ms: Date.now() - probeStarted.getTime(),
      status: 'ok',
      summary: summariseProbes(probes),
      raw: null,
      origin: 'collected',
      facts: { check: 'tcp-probe', attempts: probes },
    });
    if (listenerRead) {
      const listenersStarted = new Date();
      const reading = activities.start('local-listeners', 'workstation', "Reading this computer's listening sockets", 'ss -tlnH (or /proc/net/tcp)');
      const read = await listenerRead;
      reading.end(read.table.status === 'ok' ? 'done' : 'failed');
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
        ...read.digest,
        origin: 'collected',
        facts: { check: 'local-listeners', table: read.table },
      });
    }
  }

  let remote: DiagnosisFacts['remote'] = null;
  let sshFailure: Report['sshFailure'] = null;
  let baseline: DiagnosisFacts['baseline'] = null;
  const failing = resolution.status === 'resolved' ? resolution.addresses.filter((a) => probes.some((p) => p.address === a.address && p.status !== 'connected')) : [];
  if (request.remote && failing.length > 0) {
    const refusalMs = medianMs(probes.filter((a) => a.status === 'refused'));
    const measured = await measureBaseline(request.remote.access.destination, target, failing, refusalMs, options, signal, addEvidence, activities);
    baseline = measured.baseline;
    let outcome: Awaited<ReturnType<typeof gatherRemote>>;
    try {
      if (signal.aborted) return { status: 'cancelled' };
      outcome = await gatherRemote(request.remote, { target, options, failing, env: request.env ?? process.env, signal, addEvidence, activities, destinationSocket: measured.kept });
    } finally {
      measured.kept?.dispose();
    }
    if (signal.aborted) return { status: 'cancelled' };
    remote = outcome.remote;
    sshFailure = outcome.failure;
    if (!remote) activities.skip('server', 'Not run: the login did not succeed.');
  } else {
    const why = skipReason(request.remote !== null && request.remote !== undefined, resolution.status === 'resolved', failing.length);
    activities.skip('login', why);
    activities.skip('server', why);
  }

  const serviceHint = request.serviceHint ?? request.remote?.service ?? null;
  const answers = request.answers ?? {};
  const symptom = request.symptom ?? null;
  const facts: DiagnosisFacts = { target, resolution, probes, localListeners, proxy, remote, baseline, serviceHint, symptom, sshFailure };
  const deciding = activities.start('decide', 'decide', 'Walking the decision tree with the evidence');
  const { path, pending, diagnosis, pastedEvidence } = conclude(facts, answers, new Date());
  deciding.end('done', pending ? 'Walked the decision tree: one question is left for you' : 'Walked the decision tree');
  for (const item of pastedEvidence) addEvidence(item);
  for (const step of path) onEvent({ type: 'step', step });
  const report: Report = {
    schema: REPORT_SCHEMA,
    tool: { name: 'portwise', version: VERSION },
    target: { ...target, input: request.input },
    options,
    workstation: { platform: process.platform, release: os.release(), runtime: `node ${process.versions.node}`, proxy },
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    outcome: overallOutcome(facts),
    service: serviceHint,
    symptom,
    diagnosis,
    path,
    pending,
    answers,
    evidence,
    sshFailure,
  };
  return { status: 'finished', report };
}

function skipReason(hasAccess: boolean, resolved: boolean, failingCount: number): string {
  if (!resolved) return 'Not run: the name did not resolve, so there is no server to ask.';
  if (failingCount === 0) return 'Not needed: every address connected.';
  if (!hasAccess) return "No server access was chosen: the server's side is asked of you, with the commands to run.";
  return 'Not run.';
}

interface GatherContext {
  target: Target;
  options: ProbeOptions;
  failing: ResolvedAddress[];
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  addEvidence: (e: Evidence) => void;
  activities: ActivityLog;
  /** The baseline's connection to the SSH port, for the login to go over. */
  destinationSocket: KeptSocket | null;
}

/** Each hop and each command of the login and of the server's checks, as live activities. */
function remoteProgress(activities: ActivityLog) {
  const hops = new Map<number, ActivityHandle>();
  const commands = new Map<CommandSpec, ActivityHandle>();
  const observer: CommandObserver = {
    started(spec) {
      const login = spec.id === 'capabilities';
      // The capability probe is a script only this tool needs to read: its text is in the evidence.
      commands.set(spec, activities.start(spec.id, login ? 'login' : 'server', commandLabel(spec.id), login ? null : spec.command.text));
    },
    ended(spec, outcome) {
      const handle = commands.get(spec);
      commands.delete(spec);
      if (!handle) return;
      if (outcome instanceof Error) return handle.end('failed', `${commandLabel(spec.id)}: ${outcome.message}`);
      const gap = { ok: null, skipped: null, 'needs-privilege': 'needs root', unsupported: 'not available there', timeout: 'timed out', error: 'failed' }[outcome.status];
      handle.end(outcome.status === 'timeout' || outcome.status === 'error' ? 'failed' : 'done', gap ? `${commandLabel(spec.id)} (${gap})` : undefined);
    },
  };
  return {
    onHop(label: HopLabel, state: 'connecting' | 'connected' | 'failed') {
      if (state === 'connecting') {
        hops.set(label.index, activities.start(`hop-${label.index}`, 'login', `Logging in to ${describeHop(label)}`, null));
        return;
      }
      hops.get(label.index)?.end(state === 'connected' ? 'done' : 'failed');
    },
    observer,
  };
}

/** Logs in, collects the server's evidence, logs out. An SSH failure is evidence too, and is reported. */
async function gatherRemote(request: RemoteRequest, ctx: GatherContext): Promise<{ remote: RemoteFacts | null; failure: Report['sshFailure'] }> {
  const started = new Date();
  const server = formatSshDestination(request.access.destination);
  let session: RemoteSession;
  const loggedIn: Promise<void>[] = [];
  try {
    const progress = remoteProgress(ctx.activities);
    const onHop = (label: HopLabel, state: 'connecting' | 'connected' | 'failed') => {
      progress.onHop(label, state);
      // A hook that fails must not end the login it was told about: it reports its own outcome.
      if (state === 'connected' && request.onHopLoggedIn) loggedIn.push(request.onHopLoggedIn(label).catch(() => undefined));
    };
    try {
      // ssh2 and the server-side collectors load only when a diagnosis logs in somewhere.
      const { openRemote } = await import('./remote/access');
      session = await openRemote(request.access, request.prompt, ctx.env, ctx.signal, { onHop, observer: progress.observer, ...(ctx.destinationSocket ? { destinationSocket: ctx.destinationSocket } : {}) });
    } finally {
      await Promise.all(loggedIn);
    }
  } catch (error) {
    const ssh = isSshError(error) ? error : null;
    const message = error instanceof Error ? error.message : String(error);
    // What the SSH layer knew, as fields: each one copied field by field, so nothing else rides along
    // (no secret is in them: hops, key types, fingerprints, known_hosts paths, method names, the key's path).
    // A failure from outside the SSH layer (the capability probe) has none of them.
    const hopOf = (label: NonNullable<typeof ssh>['hop']) => ({
      index: label.index,
      total: label.total,
      user: label.user,
      host: label.host,
      port: label.port,
      role: label.role,
    });
    const detail = {
      failedHop: ssh ? hopOf(ssh.hop) : null,
      chain: ssh?.chain ? ssh.chain.map((c) => ({ hop: hopOf(c.label), status: c.status })) : null,
      presented: ssh?.presented ? { keyType: ssh.presented.keyType, fingerprint: ssh.presented.fingerprint, key: ssh.presented.key ?? null } : null,
      known: ssh ? ssh.known.map((k) => ({ keyType: k.keyType, fingerprint: k.fingerprint, file: k.file, line: k.line })) : null,
      methodsTried: ssh ? [...ssh.methodsTried] : null,
      serverMethods: ssh?.serverMethods ? [...ssh.serverMethods] : null,
      keyPath: ssh?.keyPath ?? null,
    };
    ctx.addEvidence({
      id: 'ssh-login',
      where: 'workstation',
      command: `ssh ${[...request.access.jumps.map((j) => `-J ${formatSshDestination(j)}`), server].join(' ')}`,
      startedAt: started.toISOString(),
      ms: Date.now() - started.getTime(),
      status: ssh?.kind === 'timeout' ? 'timeout' : 'error',
      summary: message,
      raw: ssh?.detail ? ssh.detail : null,
      origin: 'collected',
      facts: { check: 'ssh-login', server, ok: false, errorKind: ssh?.kind ?? 'error', hops: [], ...detail },
    });
    return { remote: null, failure: { kind: ssh?.kind ?? 'error', message, hop: ssh?.hop.index ?? 0, ...detail } };
  }
  try {
    ctx.addEvidence({
      id: 'ssh-login',
      where: 'workstation',
      command: `ssh ${server}`,
      startedAt: started.toISOString(),
      ms: Date.now() - started.getTime(),
      status: 'ok',
      summary: `Logged in to ${session.server} as uid ${session.capabilities.uid}${session.capabilities.sudo ? ' (sudo -n works)' : ''}; ${session.capabilities.osId ?? 'unknown OS'} ${session.capabilities.osVersion ?? ''}`.trim(),
      raw: session.probeOutput,
      ...(session.probeDigest ?? {}),
      origin: 'collected',
      facts: {
        check: 'ssh-login',
        server: session.server,
        ok: true,
        errorKind: null,
        hops: session.chain.hops.map((h) => ({ hop: `${h.label.user}@${h.label.host}:${h.label.port}`, keyType: h.hostKey.keyType, fingerprint: h.hostKey.fingerprint, status: h.hostKey.status })),
      },
    });
    const { collectRemote } = await import('./remote/collect');
    const remote = await collectRemote(session, {
      port: ctx.target.port,
      failing: ctx.failing,
      service: request.service,
      onEvidence: ctx.addEvidence,
      reprobe: async (address, count) => {
        const probing = ctx.activities.start('reprobe', 'server', `Sending ${count} probes from this computer while the counters watch`, null);
        for (let i = 0; i < count && !ctx.signal.aborted; i++) {
          await probeAddress(address.address, address.family, ctx.target.port, i + 1, { timeoutMs: ctx.options.timeoutMs, closeGraceMs: 0 }, ctx.signal);
        }
        probing.end('done');
      },
    });
    ctx.addEvidence({
      id: 'server-facts',
      where: session.server,
      command: 'the commands above, as read by the decision tree',
      startedAt: started.toISOString(),
      ms: Date.now() - started.getTime(),
      status: 'ok',
      summary: `${remote.listeners.listeners.length} listener(s) on the port; ${remote.firewall.snapshots.length} rule set(s) read${remote.correlation ? `; ${remote.correlation.culprits.length} rule(s) counted the probes` : ''}.`,
      raw: null,
      origin: 'collected',
      facts: { check: 'server-facts', remote },
    });
    return { remote, failure: null };
  } finally {
    await session.close();
  }
}

/** At most this many connects are timed for the baseline round trip; the fastest counts. */
const BASELINE_SAMPLES = 3;

/**
 * Connects to the SSH port of the same address (catalog §0.3): the round trip the refusal time is
 * compared with. Only when the SSH server is the target itself; null otherwise. Each connect makes
 * the SSH server start a process for it, just before the login needs the server's CPU, so timing
 * stops as soon as a sample cannot place the refusal near this computer: the fastest of more
 * samples could not either (`baselinePlacesRefusalNear`). The last connection is kept, not closed:
 * the login can go over it (`kept`, which the caller disposes of).
 */
async function measureBaseline(
  destination: SshDestination,
  target: Target,
  failing: readonly ResolvedAddress[],
  refusalMs: number,
  options: ProbeOptions,
  signal: AbortSignal,
  addEvidence: (e: Evidence) => void,
  activities: ActivityLog,
): Promise<{ baseline: DiagnosisFacts['baseline']; kept: KeptSocket | null }> {
  const same = failing.find((a) => a.address === destination.host) ?? (destination.host === target.host ? failing[0] : undefined);
  if (!same || destination.port === target.port) return { baseline: null, kept: null };
  const started = new Date();
  const timing = activities.start('baseline', 'login', `Timing a connect to the SSH port ${destination.port}, for a baseline round trip`, null);
  // The fastest of a few connects: one sample can land on a busy moment (a loaded CPU, a scheduler
  // delay) and make the round trip look long, which would misplace where a refusal came from.
  const samples: ProbeAttempt[] = [];
  let kept: KeptSocket | null = null;
  const keep = (socket: net.Socket) => {
    kept?.dispose();
    kept = new KeptSocket(socket);
  };
  for (let round = 1; round <= BASELINE_SAMPLES && !signal.aborted; round++) {
    const sample = await probeAddress(same.address, same.family, destination.port, round, { timeoutMs: options.timeoutMs, closeGraceMs: 0, keep }, signal);
    samples.push(sample);
    if (sample.status !== 'connected' || !baselinePlacesRefusalNear(sample.ms, refusalMs)) break;
  }
  const connected = samples.filter((a) => a.status === 'connected');
  const attempt = connected.length === samples.length && connected.length > 0 ? connected.reduce((fastest, a) => (a.ms < fastest.ms ? a : fastest)) : (samples.at(-1) as ProbeAttempt);
  timing.end(attempt.status === 'connected' ? 'done' : 'failed');
  const times = samples.map((a) => `${a.ms.toFixed(2)} ms`).join(', ');
  addEvidence({
    id: 'baseline',
    where: 'workstation',
    command: `TCP connect to ${formatAddressPort(same.address, destination.port)} (the SSH port), up to ${BASELINE_SAMPLES} times, for a baseline round trip`,
    startedAt: started.toISOString(),
    ms: attempt.ms,
    status: attempt.status === 'connected' ? 'ok' : 'error',
    summary: attempt.status !== 'connected' ? `${attempt.status} in ${attempt.ms.toFixed(2)} ms` : samples.length > 1 ? `connected in ${attempt.ms.toFixed(2)} ms (the fastest of ${times})` : `connected in ${attempt.ms.toFixed(2)} ms (one sample was enough: no faster one could place the refusal near this computer)`,
    raw: null,
    origin: 'collected',
    facts: { check: 'baseline', attempt },
  });
  if (attempt.status !== 'connected') return { baseline: null, kept };
  return { baseline: { address: same.address, port: destination.port, ms: attempt.ms, source: `TCP connect to the SSH port ${destination.port}` }, kept };
}

function summariseProbes(attempts: readonly ProbeAttempt[]): string {
  const byAddress = new Map<string, string[]>();
  for (const a of attempts) byAddress.set(a.address, [...(byAddress.get(a.address) ?? []), `${a.status}${a.errno ? ` ${a.errno}` : ''} ${a.ms.toFixed(1)} ms`]);
  return [...byAddress].map(([address, list]) => `${address}: ${list.join(', ')}`).join('; ');
}

function listenerSummary(listeners: { address: string; port: number }[], port: number): string {
  return listeners.length === 0 ? `Nothing listens on port ${port}.` : `Listening on port ${port}: ${listeners.map((l) => (l.address.includes(':') ? `[${l.address}]` : l.address)).join(', ')}.`;
}
