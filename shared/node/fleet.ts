import { randomUUID } from 'node:crypto';
import { fleetRows, fleetVerdict, loginFailure } from '../common/report/fleet';
import type { DiagnosisEvent } from '../common/schema/events';
import type { FleetRow, FleetServerResult, FleetVerdict } from '../common/schema/fleet';
import type { ProbeOptions } from '../common/schema/probe';
import { FLEET_LIMITS } from '../common/schema/limits';
import { formatSshDestination } from '../common/schema/ssh-destination';
import { formatAddressPort, formatTarget, parseTarget } from '../common/schema/target';
import type { SshAccess } from './remote/access';
import { startDiagnosis } from './session';
import type { PromptPort } from './ssh/prompt';

/**
 * `portwise fleet`: one port on N servers (replicas, the members of a load balancer's pool). Each
 * server is both the target host and the SSH destination: the probe goes from this computer to
 * host:port, and the evidence comes from the server itself, exactly as `diagnose host:port --ssh
 * server` would. At most `concurrency` servers run at once; one signal cancels every run (and closes
 * its connections). Every run is bounded by the diagnosis's own deadlines (probe, login, commands).
 */

export interface FleetServer {
  /** How the table names it: a profile's name, or the destination as given. */
  label: string;
  /** The saved profile it came from (null: given with --ssh). */
  profile: string | null;
  /** How to log in: its own jump chain, keys and sudo policy. */
  access: SshAccess;
  /** The service that should listen there (its state and log are read). */
  service: string | null;
}

export interface FleetRequest {
  port: number;
  servers: readonly FleetServer[];
  options: ProbeOptions;
  /** 1..FLEET_LIMITS.maxConcurrency; at most this many servers are diagnosed at once. */
  concurrency: number;
  env: NodeJS.ProcessEnv;
  /**
   * A prompt port per server. A fleet asks nothing mid-run: the CLI's port declines every question
   * (unknown host keys are refused unless accepted by policy), and answers secrets from named
   * environment variables only. One per server, since an env secret is offered once per hop.
   */
  promptFor(server: FleetServer): PromptPort;
  /** Aborting cancels every run, started or not. */
  signal?: AbortSignal;
  /** Each diagnosis's events, by the server's position. */
  onEvent?(index: number, event: DiagnosisEvent): void;
  /** A server's run has begun (it holds one of the `concurrency` slots until it ends). */
  onServerStarted?(index: number, server: FleetServer): void;
  /** A server has ended (in completion order); `done` counts the servers ended so far. */
  onServerDone?(result: FleetServerResult, index: number, done: number): void;
}

export interface FleetResult {
  port: number;
  /** In the order the servers were given. */
  servers: FleetServerResult[];
  rows: FleetRow[];
  verdict: FleetVerdict;
  /** At least one server was cancelled (the signal was aborted before it ended). */
  cancelled: boolean;
}

/** host:port of the server's own host; a destination's host always parses (it came through parseTarget). */
export function fleetTarget(server: FleetServer, port: number) {
  const input = formatAddressPort(server.access.destination.host, port);
  const target = parseTarget(input);
  if (!target.ok) throw new Error(`fleet: ${server.label} has no probeable host: ${target.error.message}`);
  return { input, target: target.value };
}

const CANCELLED = { kind: 'cancelled', message: 'Cancelled before this server finished.' } as const;

/** Diagnoses the port on every server, `concurrency` at a time. Never rejects: each server ends in its result. */
export async function runFleet(request: FleetRequest): Promise<FleetResult> {
  const { servers, port, signal } = request;
  const concurrency = Math.min(Math.max(1, Math.floor(request.concurrency)), FLEET_LIMITS.maxConcurrency);
  const results: (FleetServerResult | undefined)[] = servers.map(() => undefined);
  let done = 0;
  const finish = (index: number, result: FleetServerResult) => {
    results[index] = result;
    done++;
    request.onServerDone?.(result, index, done);
  };

  const runOne = async (index: number, server: FleetServer): Promise<FleetServerResult> => {
    const { input, target } = fleetTarget(server, port);
    const base = { server: server.label, destination: formatSshDestination(server.access.destination), profile: server.profile, target: formatTarget(target) };
    if (signal?.aborted) return { ...base, report: null, failure: CANCELLED };
    request.onServerStarted?.(index, server);
    const run = startDiagnosis({
      runId: randomUUID(),
      input,
      target,
      options: request.options,
      env: request.env,
      onEvent: (event) => request.onEvent?.(index, event),
      remote: { access: server.access, service: server.service, prompt: request.promptFor(server) },
      serviceHint: server.service,
    });
    const cancel = () => run.cancel();
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      const end = await run.done;
      if (end.status === 'cancelled') return { ...base, report: null, failure: CANCELLED };
      if (end.status === 'failed') return { ...base, report: null, failure: { kind: 'failed', message: end.message, detail: end.detail } };
      return { ...base, report: end.report, failure: loginFailure(end.report) };
    } finally {
      signal?.removeEventListener('abort', cancel);
    }
  };

  // A pool of workers, each taking the next server until none is left: never more than
  // `concurrency` diagnoses (and so SSH connections) at once.
  let next = 0;
  const worker = async () => {
    while (next < servers.length) {
      const index = next++;
      const server = servers[index] as FleetServer;
      finish(index, await runOne(index, server).catch((error: unknown) => failedResult(server, port, error)));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, servers.length) }, worker));

  const ended = results as FleetServerResult[];
  return { port, servers: ended, rows: fleetRows(ended), verdict: fleetVerdict(ended), cancelled: ended.some((r) => r.failure?.kind === 'cancelled') };
}

/** A server whose run could not even start (a bug, not the network): typed, so the others still end. */
function failedResult(server: FleetServer, port: number, error: unknown): FleetServerResult {
  return {
    server: server.label,
    destination: formatSshDestination(server.access.destination),
    profile: server.profile,
    target: formatAddressPort(server.access.destination.host, port),
    report: null,
    failure: { kind: 'failed', message: 'The diagnosis could not start.', detail: error instanceof Error ? (error.stack ?? error.message) : String(error) },
  };
}
