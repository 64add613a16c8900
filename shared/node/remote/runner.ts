import { randomBytes } from 'node:crypto';
import { classifyCommandOutcome } from '../../common/parsers/command-failure';
import type { EvidenceStatus } from '../../common/schema/report';
import { shellQuote, type ShellCommand } from '../../common/shell';
import { FramedDigest, type OutputDigest } from '../output-digest';
import { isSshError, type SshError } from '../ssh/errors';
import type { ExecResult, ExecTransport } from './transport';

/** One command of the catalog, ready to run: the text was built with `sh` (every value quoted). */
export interface CommandSpec {
  id: string;
  command: ShellCommand;
  /** Root helps (firewall rules, other users' sockets): retried with `sudo -n` when allowed. */
  wantsRoot: boolean;
  timeoutMs?: number;
  maxBytes?: number;
  /** Exit codes that still mean "it ran" (grep's 1, systemctl's 3). */
  okCodes?: readonly number[];
}

export interface CommandRun {
  id: string;
  /** The command as a person would type it on the server (without our wrapper). */
  command: string;
  sudo: boolean;
  status: EvidenceStatus;
  startedAt: string;
  result: ExecResult;
  /** The sha256 and size of the command's whole output (past the cap); null when the wrapper never ran. */
  digest: OutputDigest | null;
  /** The unprivileged attempt, when the command was retried with sudo. */
  firstAttempt: { status: EvidenceStatus; stderr: string } | null;
}

export interface RunnerOptions {
  /** Parallel exec channels on one connection (OpenSSH's MaxSessions defaults to 10). */
  concurrency: number;
  /** The profile allows `sudo -n`, and the capability probe found that it works without a password. */
  sudo: boolean;
  defaultTimeoutMs: number;
  defaultMaxBytes: number;
  /** The server has `timeout`: commands that could wait (on a daemon, a lock, a peer) get a server-side deadline too, so nothing lingers there. */
  serverTimeout: boolean;
  signal?: AbortSignal;
  /** Told when a command gets its channel and when it ends: for live progress. */
  observer?: CommandObserver;
  /**
   * A lost connection: `evidence` (default) makes it that command's error evidence, so a diagnosis
   * goes on with what it has; `throw` rethrows the SshError, for a caller that cannot go on without
   * the answer (the capability probe, whose failure is the login's failure).
   */
  onLostConnection?: 'evidence' | 'throw';
}

export interface CommandObserver {
  started(spec: CommandSpec): void;
  /** The run, or the error that stopped it (the connection dropped...). */
  ended(spec: CommandSpec, outcome: CommandRun | Error): void;
}

export const defaultRunnerOptions: RunnerOptions = { concurrency: 4, sudo: false, defaultTimeoutMs: 10_000, defaultMaxBytes: 1024 * 1024, serverTimeout: false };

/** Environment for every command: C locale, UTC timestamps, no pager, no colour (catalog §4.12). */
const QUIET_ENV = 'LC_ALL=C LANG=C LANGUAGE= TZ=UTC NO_COLOR=1 SYSTEMD_COLORS=0 SYSTEMD_PAGER= SYSTEMD_LESS= PAGER=cat TERM=dumb';

/**
 * Wraps a command so that only its own output counts: profiles and MOTDs can print to stdout, so the
 * command's output is framed by markers made of a random nonce, and its exit code is printed inside
 * the frame. Runs under `sh` with a clean locale.
 *
 * `inShell`: the transport already runs it in a POSIX `sh` (the session's shell), so the frame needs
 * no `sh -c` of its own, and the locale is set by assignments rather than by `env`: two programs
 * fewer to start for every command.
 */
export function wrapCommand(command: string, nonce: string, options: { sudo: boolean; serverTimeoutSec: number | null; inShell?: boolean; simple?: boolean }): string {
  // With sudo the environment goes after it (`env`): sudo resets the environment it was given.
  const environment = options.sudo ? `sudo -n env ${QUIET_ENV} ` : options.inShell ? `${QUIET_ENV} ` : `env ${QUIET_ENV} `;
  // A simple command (ShellCommand.simple) is its program and quoted words: it runs as it is.
  const program = options.simple ? command : `sh -c ${shellQuote(command)}`;
  const inner = `${environment}${options.serverTimeoutSec ? `timeout -k 2 ${options.serverTimeoutSec} ` : ''}${program}`;
  const framed = `printf '\\n@@pw-begin-${nonce}\\n'; ${inner}; printf '\\n@@pw-end-${nonce} %s\\n' "$?"`;
  return options.inShell ? framed : `sh -c ${shellQuote(framed)}`;
}

const frameBegin = (nonce: string) => `\n@@pw-begin-${nonce}\n`;
const frameEnd = (nonce: string) => `\n@@pw-end-${nonce} `;

/** Cuts the framed output back out. Returns null when the frame is missing (the wrapper never ran). */
export function unwrapOutput(stdout: string, nonce: string): { stdout: string; code: number | null } | null {
  const begin = frameBegin(nonce);
  const endMark = frameEnd(nonce);
  const start = stdout.indexOf(begin);
  if (start < 0) return null;
  const end = stdout.lastIndexOf(endMark);
  if (end < start) return { stdout: stdout.slice(start + begin.length), code: null };
  const code = Number(stdout.slice(end + endMark.length).split('\n')[0]);
  return { stdout: stdout.slice(start + begin.length, end), code: Number.isInteger(code) ? code : null };
}

/** A command the transport could not run (no connection any more): an error, with the reason as its stderr. */
function unreachedRun(spec: CommandSpec, error: SshError): CommandRun {
  return {
    id: spec.id,
    command: spec.command.text,
    sudo: false,
    status: 'error',
    startedAt: new Date().toISOString(),
    result: { code: null, signal: null, stdout: '', stderr: error.message, truncated: false, timedOut: false, ms: 0 },
    digest: null,
    firstAttempt: null,
  };
}

/** Runs catalog commands on one transport: bounded parallelism, deadlines, caps, sudo retry. */
export class RemoteRunner {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly transport: ExecTransport,
    private readonly options: RunnerOptions = defaultRunnerOptions,
  ) {}

  get where(): string {
    return this.transport.where;
  }

  async run(spec: CommandSpec): Promise<CommandRun> {
    await this.slot();
    try {
      this.options.observer?.started(spec);
      let run: CommandRun;
      try {
        run = await this.runInSlot(spec);
      } catch (error) {
        // The connection is gone (sshd killed, the server closed it): this command's evidence says
        // so, like every later one, and the diagnosis goes on. A cancel still ends the run.
        if (!isSshError(error) || error.kind === 'cancelled' || this.options.onLostConnection === 'throw') {
          this.options.observer?.ended(spec, error instanceof Error ? error : new Error(String(error)));
          throw error;
        }
        run = unreachedRun(spec, error);
      }
      this.options.observer?.ended(spec, run);
      return run;
    } finally {
      this.release();
    }
  }

  private async runInSlot(spec: CommandSpec): Promise<CommandRun> {
    const startedAt = new Date().toISOString();
    const first = await this.attempt(spec, false);
    const firstStatus = classifyCommandOutcome({ code: first.result.code, stderr: first.result.stderr, timedOut: first.result.timedOut }, spec.okCodes);
    if (firstStatus === 'needs-privilege' && spec.wantsRoot && this.options.sudo) {
      const again = await this.attempt(spec, true);
      const status = classifyCommandOutcome({ code: again.result.code, stderr: again.result.stderr, timedOut: again.result.timedOut }, spec.okCodes);
      return { id: spec.id, command: spec.command.text, sudo: true, status, startedAt, ...again, firstAttempt: { status: firstStatus, stderr: first.result.stderr } };
    }
    return { id: spec.id, command: spec.command.text, sudo: false, status: firstStatus, startedAt, ...first, firstAttempt: null };
  }

  runAll(specs: readonly CommandSpec[]): Promise<CommandRun[]> {
    return Promise.all(specs.map((s) => this.run(s)));
  }

  private async attempt(spec: CommandSpec, sudo: boolean): Promise<{ result: ExecResult; digest: OutputDigest | null }> {
    const nonce = randomBytes(8).toString('hex');
    const digest = new FramedDigest(Buffer.from(frameBegin(nonce)), Buffer.from(frameEnd(nonce)));
    const timeoutMs = spec.timeoutMs ?? this.options.defaultTimeoutMs;
    // A bounded command (a kernel read, or one with its own `timeout`) ends by itself: it is started
    // without a `timeout` around it, one program fewer on the server; the channel deadline stays.
    const serverTimeoutSec = this.options.serverTimeout && spec.command.bounded !== true ? Math.max(1, Math.ceil(timeoutMs / 1000)) : null;
    const raw = await this.transport.exec(wrapCommand(spec.command.text, nonce, { sudo, serverTimeoutSec, inShell: this.transport.inPosixShell === true, simple: spec.command.simple === true }), {
      // The channel deadline is a little later than the server-side one, so `timeout` answers first.
      timeoutMs: timeoutMs + (serverTimeoutSec ? 3000 : 0),
      maxBytes: spec.maxBytes ?? this.options.defaultMaxBytes,
      onStdout: (chunk) => digest.push(chunk),
      ...(this.options.signal ? { signal: this.options.signal } : {}),
    });
    const framed = unwrapOutput(raw.stdout, nonce);
    if (!framed) return { result: { ...raw, code: raw.timedOut ? null : raw.code }, digest: null };
    return { result: { ...raw, stdout: framed.stdout, code: framed.code ?? raw.code }, digest: digest.result() };
  }

  private slot(): Promise<void> {
    // No more at once than the transport runs: a command waiting for a shell is not shown as running.
    const limit = Math.min(this.options.concurrency, this.transport.capacity?.() ?? Number.POSITIVE_INFINITY);
    if (this.active < limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(() => resolve()));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}
