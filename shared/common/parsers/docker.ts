import { err, ok, type Result } from '../result';

/**
 * Parsers for Docker evidence (catalog D1, D2, B2, B3; §4.11). Pure: the caller runs the commands
 * and passes their output. Fixtures: test/fixtures/docker (docker.io 20.10 daemon, CLIs 20.10 and 28.2).
 *
 * - `docker ps -a --no-trunc --format '{{json .}}'`   -> parseDockerPs
 * - the human `Ports` column of `docker ps`            -> parseDockerPorts
 * - `docker inspect NAME...` (a JSON array)             -> parseDockerInspect
 * - the CLI's stderr                                    -> parseDockerError / dockerMissingObjects
 *
 * Status strings (`Up 3 hours (healthy)`, `Exited (137) 2 hours ago`) are for humans; they are
 * only read where nothing better exists (exit code and health in `docker ps`). Prefer inspect.
 */

export type DockerProtocol = 'tcp' | 'udp' | 'sctp';
export type DockerContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';
export type DockerErrorKind = 'needs-privilege' | 'daemon-down' | 'not-found';

// ---------------------------------------------------------------------------------------------
// Errors on stderr

const NO_SUCH = /No such (?:object|container|image): *"?([^\s"]+)"?/gi;

/** Literal patterns only, each tested on its own, so a huge line is scanned in linear time. */
const ERRORS: readonly { kind: DockerErrorKind; matches: (text: string) => boolean }[] = [
  { kind: 'needs-privilege', matches: (t) => /permission denied while trying to connect to the Docker daemon socket/i.test(t) },
  {
    kind: 'daemon-down',
    // Linux/macOS wording, and Docker Desktop's named pipe on Windows when the engine is off.
    matches: (t) =>
      /Cannot connect to the Docker daemon at /i.test(t) ||
      (/error during connect:/i.test(t) && /docker_engine|dockerDesktopLinuxEngine/i.test(t) && /cannot find the file specified|no such file or directory/i.test(t)),
  },
  { kind: 'not-found', matches: (t) => /No such (?:object|container|image)/i.test(t) },
];

/**
 * What a failed docker command's stderr means, or null when it is none of the known cases.
 * A privilege or daemon problem wins over "not found": it explains every other line.
 */
export function parseDockerError(stderr: string): DockerErrorKind | null {
  return ERRORS.find((e) => e.matches(stderr))?.kind ?? null;
}

/** Names from `Error: No such object: NAME` lines (docker inspect prints one per missing name). */
export function dockerMissingObjects(stderr: string): string[] {
  return [...stderr.matchAll(NO_SUCH)].map((m) => m[1]!).filter((name) => name !== '');
}

// ---------------------------------------------------------------------------------------------
// The human Ports column

export interface DockerPortMapping {
  /** '0.0.0.0', '::', '127.0.0.1', ...; null when the port is exposed but not published. */
  hostIp: string | null;
  /** Inclusive range; [p, p] for a single port; null when not published. */
  hostPort: [number, number] | null;
  containerPort: [number, number];
  protocol: DockerProtocol;
}

export interface DockerPorts {
  mappings: DockerPortMapping[];
  /** Comma-separated items that are not a port spec, verbatim (trimmed). */
  malformed: string[];
}

const CONTAINER_SIDE = /^([0-9]{1,5})(?:-([0-9]{1,5}))?\/(tcp|udp|sctp)$/;
const HOST_PORT = /^([0-9]{1,5})(?:-([0-9]{1,5}))?$/;
const HOST_IP = /^[0-9A-Fa-f.:]+(?:%[\w.-]+)?$/;

/**
 * The `Ports` column: `0.0.0.0:8080->80/tcp, :::8080->80/tcp` (CLI up to 2x), `[::]:8080->80/tcp`
 * (newer CLIs bracket IPv6), ranges `0.0.0.0:8000-8002->8000-8002/tcp`, unpublished `80/tcp`.
 * An empty column (stopped, restarting or no ports) gives no mappings.
 */
export function parseDockerPorts(portsText: string): DockerPorts {
  const result: DockerPorts = { mappings: [], malformed: [] };
  for (const raw of portsText.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const mapping = parsePortItem(item);
    if (mapping) result.mappings.push(mapping);
    else result.malformed.push(item);
  }
  return result;
}

function parsePortItem(item: string): DockerPortMapping | null {
  const arrow = item.indexOf('->');
  const containerSide = CONTAINER_SIDE.exec(arrow < 0 ? item : item.slice(arrow + 2));
  if (!containerSide) return null;
  const containerPort = portRange(containerSide[1]!, containerSide[2]);
  if (!containerPort) return null;
  const protocol = containerSide[3] as DockerProtocol;
  if (arrow < 0) return { hostIp: null, hostPort: null, containerPort, protocol };

  const hostSide = item.slice(0, arrow);
  const colon = hostSide.lastIndexOf(':');
  if (colon < 0) return null;
  let hostIp = hostSide.slice(0, colon);
  if (hostIp.startsWith('[') && hostIp.endsWith(']')) hostIp = hostIp.slice(1, -1);
  if (!HOST_IP.test(hostIp)) return null;
  const hostPortMatch = HOST_PORT.exec(hostSide.slice(colon + 1));
  const hostPort = hostPortMatch ? portRange(hostPortMatch[1]!, hostPortMatch[2]) : null;
  if (!hostPort) return null;
  return { hostIp, hostPort, containerPort, protocol };
}

function portRange(from: string, to: string | undefined): [number, number] | null {
  const a = Number(from);
  const b = to === undefined ? a : Number(to);
  return a <= 65535 && b <= 65535 && a <= b ? [a, b] : null;
}

// ---------------------------------------------------------------------------------------------
// docker ps -a --no-trunc --format '{{json .}}'

export interface DockerPsContainer {
  id: string;
  /** `Names` split on ',' (linked containers have several). */
  names: string[];
  image: string;
  /** From `State` (CLI 20.10+); derived from `Status` when the CLI does not print `State`. */
  state: DockerContainerState | null;
  /** Human status, verbatim: `Up 2 minutes`, `Exited (137) 3 seconds ago`, `Restarting (1) 2 seconds ago`. */
  status: string;
  /** The N of `Exited (N)` / `Restarting (N)`; null otherwise. */
  exitCode: number | null;
  health: 'healthy' | 'unhealthy' | 'starting' | null;
  /** The raw Ports column. */
  ports: string;
  portMappings: DockerPortMapping[];
  /** Raw, as printed: `2026-11-24 05:00:23 +0000 UTC`. */
  createdAt: string;
  /** createdAt as epoch milliseconds; null when it is not in the CLI's format. */
  createdAtMs: number | null;
  /** 1-based line number in the input. */
  line: number;
}

export interface DockerPs {
  containers: DockerPsContainer[];
  /** Lines that are not a container JSON object (bad JSON, missing ID, non-string fields). */
  malformed: number;
}

export interface DockerCliError {
  /**
   * needs-privilege / daemon-down / not-found: the docker CLI printed that error (see parseDockerError).
   * unrecognized: text, but nothing this parser understands.
   */
  code: DockerErrorKind | 'unrecognized';
  message: string;
}

const STATES: readonly DockerContainerState[] = ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead'];

/**
 * One JSON object per line. Empty output is a valid answer (no containers). Output that holds
 * no container line but a docker error (stderr appended) is that error.
 */
export function parseDockerPs(text: string): Result<DockerPs, DockerCliError> {
  const containers: DockerPsContainer[] = [];
  const other: string[] = [];
  let malformed = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    if (!line.startsWith('{')) {
      other.push(line);
      continue;
    }
    const container = psLine(line, i + 1);
    if (container) containers.push(container);
    else malformed++;
  }
  if (containers.length === 0 && (other.length > 0 || malformed > 0)) {
    const rest = other.join('\n');
    const kind = parseDockerError(rest);
    if (kind) return err({ code: kind, message: firstLine(rest, kind) });
    return err({ code: 'unrecognized', message: 'No `docker ps --format {{json .}}` line in the output.' });
  }
  return ok({ containers, malformed: malformed + other.length });
}

function psLine(line: string, lineNumber: number): DockerPsContainer | null {
  const o = parseJsonObject(line);
  if (!o) return null;
  const id = o.ID;
  const names = o.Names;
  if (typeof id !== 'string' || !/^[0-9a-f]{12,64}$/.test(id) || typeof names !== 'string') return null;
  const image = stringOr(o.Image, '');
  const status = stringOr(o.Status, '');
  const ports = stringOr(o.Ports, '');
  const createdAt = stringOr(o.CreatedAt, '');
  const rawState = typeof o.State === 'string' ? o.State.toLowerCase() : null;
  const statusCode = /^(?:Exited|Restarting) \(([0-9]{1,10})\)/.exec(status);
  const health = /\((healthy|unhealthy|health: starting)\)/.exec(status);
  return {
    id,
    names: names.split(',').filter((n) => n !== ''),
    image,
    state: rawState !== null ? asState(rawState) : stateFromStatus(status),
    status,
    exitCode: statusCode ? Number(statusCode[1]) : null,
    health: health ? (health[1] === 'health: starting' ? 'starting' : (health[1] as 'healthy' | 'unhealthy')) : null,
    ports,
    portMappings: parseDockerPorts(ports).mappings,
    createdAt,
    createdAtMs: createdAtMs(createdAt),
    line: lineNumber,
  };
}

function asState(value: string): DockerContainerState | null {
  return (STATES as readonly string[]).includes(value) ? (value as DockerContainerState) : null;
}

/** Older CLIs have no `State` placeholder; these are the prefixes of container.State.String(). */
function stateFromStatus(status: string): DockerContainerState | null {
  if (/^Up .*\(Paused\)$/.test(status)) return 'paused';
  if (status.startsWith('Up ')) return 'running';
  if (status.startsWith('Restarting')) return 'restarting';
  if (status.startsWith('Exited')) return 'exited';
  if (status === 'Created') return 'created';
  if (status === 'Removal In Progress') return 'removing';
  if (status === 'Dead') return 'dead';
  return null;
}

const CREATED_AT = /^([0-9]{4})-([0-9]{2})-([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) ([+-])([0-9]{2})([0-9]{2})(?: \S+)?$/;

function createdAtMs(value: string): number | null {
  const m = CREATED_AT.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, sign, oh, om] = m;
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const offset = (Number(oh) * 60 + Number(om)) * 60_000 * (sign === '-' ? -1 : 1);
  return Number.isFinite(utc) ? utc - offset : null;
}

// ---------------------------------------------------------------------------------------------
// docker inspect NAME...

export interface DockerHostBinding {
  /** As printed. In HostConfig.PortBindings '' means "all addresses" (the daemon's default IP). */
  hostIp: string;
  /** null when HostPort is '' (an ephemeral port, chosen at start). */
  hostPort: number | null;
}

export interface DockerPortEntry {
  /** The key as printed: `80/tcp`. */
  key: string;
  containerPort: number;
  protocol: DockerProtocol;
  /** null: exposed but not published (`"80/tcp": null`). */
  bindings: DockerHostBinding[] | null;
}

export interface DockerInspectState {
  status: DockerContainerState | null;
  /** Docker reports Running=true while Restarting=true; read `status` first. */
  running: boolean | null;
  restarting: boolean | null;
  paused: boolean | null;
  dead: boolean | null;
  oomKilled: boolean | null;
  exitCode: number | null;
  /** 0 when no process runs (exited, restarting). */
  pid: number | null;
  /** State.Error; null when empty. */
  error: string | null;
  /** RFC 3339 as printed; null for Docker's zero time `0001-01-01T00:00:00Z`. */
  startedAt: string | null;
  finishedAt: string | null;
}

export interface DockerInspectContainer {
  id: string;
  /** Without Docker's leading '/'. */
  name: string;
  /** Config.Image (what the user ran), else the image ID. */
  image: string | null;
  state: DockerInspectState;
  /** Top-level RestartCount: restarts by the restart policy since the last manual start. */
  restartCount: number | null;
  restartPolicy: { name: string; maximumRetryCount: number | null } | null;
  /** HostConfig.PortBindings: what was asked for with -p (survives stop). */
  portBindings: DockerPortEntry[];
  /** NetworkSettings.Ports: what is published now. Empty when the container is not running. */
  ports: DockerPortEntry[];
  /** Config.ExposedPorts keys (`EXPOSE` in the image, or --expose). */
  exposedPorts: string[];
}

export interface DockerInspect {
  containers: DockerInspectContainer[];
  /** Array items that are objects but not containers (images, networks, volumes). */
  otherObjects: number;
  /** Array items that are not objects, or containers without Id/Name/State. */
  malformed: number;
  /** Names from `Error: No such object: NAME` when stderr was appended to the JSON. */
  missing: string[];
}

/**
 * A JSON array (stdout), optionally followed by stderr. `docker inspect a missing` prints the array
 * for `a` on stdout and `Error: No such object: missing` on stderr; with every name missing stdout is `[]`.
 */
export function parseDockerInspect(text: string): Result<DockerInspect, DockerCliError> {
  const split = splitJsonArray(text);
  if (!split) {
    const kind = parseDockerError(text);
    if (kind) return err({ code: kind, message: firstLine(text, kind) });
    return err({ code: 'unrecognized', message: 'Not a `docker inspect` JSON array.' });
  }
  const result: DockerInspect = { containers: [], otherObjects: 0, malformed: 0, missing: dockerMissingObjects(split.rest) };
  for (const item of split.array) {
    if (!isObject(item)) {
      result.malformed++;
      continue;
    }
    if (!('State' in item) && !('HostConfig' in item)) {
      result.otherObjects++;
      continue;
    }
    const container = inspectContainer(item);
    if (container) result.containers.push(container);
    else result.malformed++;
  }
  return ok(result);
}

function inspectContainer(o: Record<string, unknown>): DockerInspectContainer | null {
  const id = o.Id;
  const name = o.Name;
  const s = o.State;
  if (typeof id !== 'string' || typeof name !== 'string' || !isObject(s)) return null;
  const config = isObject(o.Config) ? o.Config : {};
  const hostConfig = isObject(o.HostConfig) ? o.HostConfig : {};
  const network = isObject(o.NetworkSettings) ? o.NetworkSettings : {};
  const policy = hostConfig.RestartPolicy;
  const status = typeof s.Status === 'string' ? asState(s.Status.toLowerCase()) : null;
  const error = typeof s.Error === 'string' && s.Error !== '' ? s.Error : null;
  return {
    id,
    name: name.startsWith('/') ? name.slice(1) : name,
    image: typeof config.Image === 'string' ? config.Image : typeof o.Image === 'string' ? o.Image : null,
    state: {
      status,
      running: bool(s.Running),
      restarting: bool(s.Restarting),
      paused: bool(s.Paused),
      dead: bool(s.Dead),
      oomKilled: bool(s.OOMKilled),
      exitCode: int(s.ExitCode),
      pid: int(s.Pid),
      error,
      startedAt: time(s.StartedAt),
      finishedAt: time(s.FinishedAt),
    },
    restartCount: int(o.RestartCount),
    restartPolicy: isObject(policy) && typeof policy.Name === 'string' ? { name: policy.Name, maximumRetryCount: int(policy.MaximumRetryCount) } : null,
    portBindings: portMap(hostConfig.PortBindings),
    ports: portMap(network.Ports),
    exposedPorts: isObject(config.ExposedPorts) ? Object.keys(config.ExposedPorts) : [],
  };
}

const PORT_KEY = /^([0-9]{1,5})\/(tcp|udp|sctp)$/;

/** `{"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}], "443/tcp": null}`; bad keys and entries are dropped. */
function portMap(value: unknown): DockerPortEntry[] {
  if (!isObject(value)) return [];
  const entries: DockerPortEntry[] = [];
  for (const [key, raw] of Object.entries(value)) {
    const m = PORT_KEY.exec(key);
    if (!m || Number(m[1]) > 65535) continue;
    let bindings: DockerHostBinding[] | null = null;
    if (Array.isArray(raw)) {
      bindings = [];
      for (const b of raw) {
        if (!isObject(b)) continue;
        const hostPort = typeof b.HostPort === 'string' && /^[0-9]{1,5}$/.test(b.HostPort) && Number(b.HostPort) <= 65535 ? Number(b.HostPort) : null;
        bindings.push({ hostIp: typeof b.HostIp === 'string' ? b.HostIp : '', hostPort });
      }
    } else if (raw !== null) continue;
    entries.push({ key, containerPort: Number(m[1]), protocol: m[2] as DockerProtocol, bindings });
  }
  return entries;
}

const ZERO_TIME = /^0001-01-01T00:00:00(?:\.0+)?Z$/;

function time(value: unknown): string | null {
  return typeof value === 'string' && value !== '' && !ZERO_TIME.test(value) ? value : null;
}

/** The JSON array at the start of `text` and whatever follows it (appended stderr). */
function splitJsonArray(text: string): { array: unknown[]; rest: string } | null {
  const trimmed = text.trim();
  if (!trimmed.startsWith('[')) return null;
  const whole = parseJson(trimmed);
  if (Array.isArray(whole)) return { array: whole, rest: '' };
  // docker pretty-prints the array: it ends with a line that is exactly `]` (or `[]` when empty).
  const close = /^\[?\]$/m.exec(trimmed);
  if (!close) return null;
  const end = close.index + close[0].length;
  const head = parseJson(trimmed.slice(0, end));
  return Array.isArray(head) ? { array: head, rest: trimmed.slice(end) } : null;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function parseJsonObject(line: string): Record<string, unknown> | null {
  const value = parseJson(line);
  return isObject(value) ? value : null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

function bool(value: unknown): boolean | null {
  return typeof value === 'boolean' ? value : null;
}

function int(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) ? value : null;
}

function firstLine(text: string, kind: DockerErrorKind): string {
  const matches = ERRORS.find((e) => e.kind === kind)!.matches;
  const line = text.split('\n').find((l) => matches(l));
  return (line ?? text).trim();
}
