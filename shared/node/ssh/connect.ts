/**
 * The SSH connection: a chain of hops (jumps first, target last) joined by `forwardOut` -> `sock`
 * (ssh2 README, "Connection hopping"). Every hop verifies its own host key and authenticates with its
 * own methods; a failure on hop k is reported as hop k's and closes the hops before it.
 */
import type { Duplex } from 'node:stream';
import { Client, type ClientChannel } from './ssh2';
import { errnoText } from '../probes/classify';
import { CappedBuffer } from '../output-digest';
import { authFailedError, createAuthHandler, type AuthSpec } from './auth';
import { SshError, type ChainHopStatus } from './errors';
import { createHostVerifier, hostKeyError, type HostKeyPolicy } from './host-verifier';
import { describeHop, formatHostPort, type HopLabel, type PromptPort } from './prompt';

export interface HopSpec extends AuthSpec {
  host: string;
  port: number;
  user: string;
  identityFiles: string[];
  agent: boolean;
  password: boolean;
  keyboardInteractive: boolean;
}

export interface ConnectChainOptions {
  /** Jumps first, target last. */
  hops: readonly HopSpec[];
  prompt: PromptPort;
  /** The environment to take SSH_AUTH_SOCK from. */
  env: Readonly<Record<string, string | undefined>>;
  /** Per hop: TCP (or forward) + key exchange + auth. Time spent in a prompt is not counted. */
  readyTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** Cancels connecting: everything opened so far is closed and the promise rejects with 'cancelled'. Has no effect once connected (use close()). */
  signal?: AbortSignal;
  hostKeyPolicy: HostKeyPolicy;
  /** The user's known_hosts files, read-only (e.g. ~/.ssh/known_hosts, /etc/ssh/ssh_known_hosts). */
  knownHostsFiles: readonly string[];
  /** Portwise's own known-hosts file: read, and where a newly trusted key is written. */
  ownKnownHostsFile: string;
  /** Where else a newly trusted key is appended (~/.ssh/known_hosts, when the person chose so). */
  alsoWriteKnownHostsTo?: string | null;
  platform?: NodeJS.Platform;
  /** Told when each hop starts, is logged in to, or fails: for live progress. */
  onHop?: (label: HopLabel, state: 'connecting' | 'connected' | 'failed') => void;
  /** A connection already open to the first hop's address and port: logged in over if still open. */
  firstHopSocket?: { take(): Duplex | null };
}

export interface ConnectedHop {
  label: HopLabel;
  hostKey: { keyType: string; fingerprint: string; status: 'match' | 'accepted-new' };
}

export interface SshChain {
  /** The target's client. */
  client: Client;
  hops: ConnectedHop[];
  /** Ends every hop, target first. Resolves when all are closed (bounded wait). */
  close(): Promise<void>;
}

/** Labels of the clients this module made, so exec can name the hop in its errors. */
const clientLabels = new WeakMap<Client, HopLabel>();
/** Clients whose connection has closed (ssh2 has no public "closed" flag). */
const closedClients = new WeakSet<Client>();

/** The hop a client of this module logs in to, for errors about its channels. */
export function hopLabelOf(client: Client): HopLabel {
  return clientLabels.get(client) ?? { index: 1, total: 1, user: '?', host: '?', port: 0, role: 'target' };
}

export function hopLabels(hops: readonly Pick<HopSpec, 'host' | 'port' | 'user'>[]): HopLabel[] {
  return hops.map((h, i) => ({ index: i + 1, total: hops.length, user: h.user, host: h.host, port: h.port, role: i === hops.length - 1 ? 'target' : 'jump' }));
}

/** A deadline that stops counting while a person is being asked something. */
class Deadline {
  private timer: NodeJS.Timeout | null = null;
  private remaining: number;
  private startedAt = 0;
  private pauses = 0;
  private over = false;

  constructor(ms: number, private readonly onExpire: () => void) {
    this.remaining = ms;
    this.arm();
  }

  private arm(): void {
    this.startedAt = Date.now();
    this.timer = setTimeout(() => {
      this.over = true;
      this.onExpire();
    }, Math.max(0, this.remaining));
  }

  pause(): void {
    if (this.over || this.pauses++ > 0 || this.timer === null) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.remaining -= Date.now() - this.startedAt;
  }

  resume(): void {
    if (this.over || --this.pauses > 0) return;
    this.arm();
  }

  stop(): void {
    this.over = true;
    if (this.timer !== null) clearTimeout(this.timer);
  }
}

function pausing(prompt: PromptPort, deadline: Deadline): PromptPort {
  const wrap =
    <A, R>(ask: (req: A) => Promise<R>) =>
    async (req: A): Promise<R> => {
      deadline.pause();
      try {
        return await ask(req);
      } finally {
        deadline.resume();
      }
    };
  return {
    confirmHostKey: wrap((r) => prompt.confirmHostKey(r)),
    passphrase: wrap((r) => prompt.passphrase(r)),
    password: wrap((r) => prompt.password(r)),
    keyboardInteractive: wrap((r) => prompt.keyboardInteractive(r)),
  };
}

const cancelled = (label: HopLabel): SshError => new SshError('cancelled', label, 'connecting was cancelled.');

type Ssh2Error = Error & { level?: string; code?: string | number; reason?: number };

function errnoSummary(error: Ssh2Error): string {
  const code = typeof error.code === 'string' ? error.code : undefined;
  const text = code === undefined ? undefined : errnoText[code];
  return text === undefined ? error.message : `${text} (${code})`;
}

interface HopRun {
  label: HopLabel;
  spec: HopSpec;
  previous: { client: Client; label: HopLabel } | null;
  options: ConnectChainOptions;
}

function connectHop(run: HopRun): Promise<{ client: Client; hostKey: ConnectedHop['hostKey'] }> {
  const { label, spec, previous, options } = run;
  const readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const client = new Client();
    clientLabels.set(client, label);
    client.once('close', () => closedClients.add(client));
    let settled = false;
    let stream: ClientChannel | null = null;
    let previousLost: string | null = null;
    /** The TCP connection (or the forwarded channel) is up: later failures are not "cannot connect". */
    let transportUp = false;
    const isClosed = (): boolean => settled;

    const deadline = new Deadline(readyTimeoutMs, () =>
      fail(
        new SshError('timeout', label, `no SSH session within ${readyTimeoutMs} ms (connect, key exchange and authentication; time spent answering prompts is not counted).`, {
          detail: previousLost ?? '',
        }),
      ),
    );
    const prompt = pausing(options.prompt, deadline);
    const verifier = createHostVerifier({
      hop: label,
      knownHostsFiles: options.knownHostsFiles,
      ownKnownHostsFile: options.ownKnownHostsFile,
      alsoWriteTo: options.alsoWriteKnownHostsTo ?? null,
      policy: options.hostKeyPolicy,
      prompt,
      isClosed,
    });
    const auth = createAuthHandler({ hop: label, spec, prompt, env: options.env, platform: options.platform, isClosed });

    const onAbort = (): void => fail(cancelled(label));
    const onPreviousGone = (): void => {
      previousLost = `the connection to ${describeHop(previous?.label ?? label)} closed while connecting through it`;
    };

    function cleanup(): void {
      deadline.stop();
      options.signal?.removeEventListener('abort', onAbort);
      previous?.client.removeListener('close', onPreviousGone);
    }

    function fail(error: SshError): void {
      if (settled) return;
      settled = true;
      cleanup();
      client.on('error', () => undefined); // late errors from a client we are discarding
      client.destroy();
      stream?.destroy();
      reject(error);
    }

    /** ssh2's error -> ours; null for errors ssh2 recovers from by itself (agent, one key's signature). */
    function classify(error: Ssh2Error): SshError | null {
      const outcome = verifier.outcome();
      const keyError = outcome === null ? null : hostKeyError(outcome, label);
      if (keyError !== null) return keyError;
      if (auth.state.failure !== null) return auth.state.failure;
      if (error.level === 'agent') {
        auth.state.notes.push(`agent: ${error.message}`);
        return null;
      }
      if (error.level === 'client-authentication') {
        if (auth.state.exhausted) return authFailedError(auth.state, label, error.message);
        auth.state.notes.push(error.message);
        return null;
      }
      if (/authentication failures/i.test(error.message)) return authFailedError(auth.state, label, error.message);
      if (error.level === 'client-socket' || error.level === 'client-dns') {
        const summary = transportUp
          ? `the connection to ${formatHostPort(spec.host, spec.port)} was lost during the SSH handshake: ${errnoSummary(error)}.`
          : `cannot open a TCP connection to ${formatHostPort(spec.host, spec.port)}: ${errnoSummary(error)}.`;
        return new SshError('connect-failed', label, summary, {
          detail: error.message,
          cause: error,
        });
      }
      return new SshError('protocol', label, `the SSH handshake failed: ${error.message}`, { detail: [error.level, previousLost].filter(Boolean).join('; '), cause: error });
    }

    client.on('connect', () => {
      transportUp = true;
    });
    client.on('error', (error: Ssh2Error) => {
      if (settled) return;
      const mapped = classify(error);
      if (mapped !== null) fail(mapped);
    });
    client.on('close', () => {
      if (settled) return;
      const mapped = classify(Object.assign(new Error('the connection closed before the SSH session was ready'), { level: 'closed' }));
      if (mapped !== null && mapped.kind !== 'protocol') return fail(mapped);
      fail(new SshError('connect-failed', label, 'the server closed the connection before the SSH session was ready.', { detail: previousLost ?? '' }));
    });
    client.on('ready', () => {
      if (settled) return;
      const outcome = verifier.outcome();
      if (outcome === null || (outcome.kind !== 'match' && outcome.kind !== 'accepted-new')) {
        // Cannot happen with ssh2 (no session without a verified key); refuse rather than trust.
        return fail(new SshError('protocol', label, 'the session became ready without a verified host key.'));
      }
      settled = true;
      cleanup();
      resolve({ client, hostKey: { keyType: outcome.keyType, fingerprint: outcome.fingerprint, status: outcome.kind === 'match' ? 'match' : 'accepted-new' } });
    });

    if (options.signal?.aborted) return fail(cancelled(label));
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const start = (sock: Duplex | undefined): void => {
      try {
        client.connect({
          ...(sock === undefined ? { host: spec.host, port: spec.port } : { sock }),
          username: spec.user,
          hostVerifier: verifier.hostVerifier,
          authHandler: auth.authHandler,
          readyTimeout: 0, // our Deadline, which pauses during prompts
          // A lost link is noticed in about 20 s: later than a command's own deadline (10 s + 3 s),
          // so a command is not cut for a pause the link recovers from, and soon enough that a
          // diagnosis whose link died does not sit waiting for a new shell for a minute.
          keepaliveInterval: options.keepaliveIntervalMs ?? 5_000,
          keepaliveCountMax: options.keepaliveCountMax ?? 3,
        });
      } catch (error) {
        fail(new SshError('protocol', label, `could not start the SSH client: ${(error as Error).message}`, { cause: error }));
      }
    };

    if (previous === null) return start(options.firstHopSocket?.take() ?? undefined);
    previous.client.once('close', onPreviousGone);
    try {
      previous.client.forwardOut('127.0.0.1', 0, spec.host, spec.port, (error, channel) => {
        if (settled) {
          channel?.destroy();
          return;
        }
        if (error) {
          return fail(
            new SshError('connect-failed', label, `${describeHop(previous.label)} could not open a connection to ${formatHostPort(spec.host, spec.port)}: ${error.message}.`, {
              detail: error.message,
              cause: error,
            }),
          );
        }
        stream = channel;
        start(channel);
      });
    } catch (error) {
      fail(new SshError('connect-failed', label, `${describeHop(previous.label)} is no longer connected.`, { detail: (error as Error).message, cause: error }));
    }
  });
}

function closeClient(client: Client, waitMs = 2000): Promise<void> {
  return new Promise((resolve) => {
    if (closedClients.has(client)) return resolve();
    const timer = setTimeout(() => {
      client.destroy();
      resolve();
    }, waitMs);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    client.end();
  });
}

async function closeAll(clients: readonly Client[]): Promise<void> {
  for (const client of [...clients].reverse()) await closeClient(client);
}

/**
 * Connects hop by hop. Rejects with an SshError whose `hop` is the hop that failed and whose `chain`
 * says which hops were reached; everything opened before is closed first.
 */
export async function connectChain(options: ConnectChainOptions): Promise<SshChain> {
  if (options.hops.length === 0) throw new Error('connectChain needs at least one hop');
  const labels = hopLabels(options.hops);
  const clients: Client[] = [];
  const connected: ConnectedHop[] = [];
  try {
    for (let i = 0; i < options.hops.length; i++) {
      const label = labels[i] as HopLabel;
      const previousClient = clients[i - 1];
      options.onHop?.(label, 'connecting');
      const { client, hostKey } = await connectHop({
        label,
        spec: options.hops[i] as HopSpec,
        previous: previousClient === undefined ? null : { client: previousClient, label: labels[i - 1] as HopLabel },
        options,
      });
      // From now on a late error (keepalive timeout, reset) must not crash the process.
      client.on('error', () => undefined);
      clients.push(client);
      connected.push({ label, hostKey });
      options.onHop?.(label, 'connected');
    }
  } catch (error) {
    await closeAll(clients);
    const failedAt = labels[clients.length] as HopLabel;
    options.onHop?.(failedAt, 'failed');
    const sshError = error instanceof SshError ? error : new SshError('protocol', failedAt, `unexpected failure: ${(error as Error).message}`, { cause: error });
    sshError.chain = labels.map((label, i): ChainHopStatus => ({ label, status: i < clients.length ? 'ok' : i === clients.length ? 'failed' : 'not-reached' }));
    throw sshError;
  }
  return { client: clients[clients.length - 1] as Client, hops: connected, close: () => closeAll(clients) };
}

export interface ExecOptions {
  timeoutMs: number;
  /** Cap per stream (stdout, stderr). Output past it is read and discarded. */
  maxBytes: number;
  signal?: AbortSignal;
  /** Sees every stdout chunk as it arrives, past the cap too (the runner digests the whole output). */
  onStdout?: (chunk: Buffer) => void;
}

export interface ExecResult {
  /** Exit status; null when the command died of a signal or the deadline closed the channel first. */
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  timedOut: boolean;
  ms: number;
}

/**
 * Asks sshd to SIGKILL the channel's command and closes the channel. sshd honours the signal only
 * with post-auth privilege separation (not for root logins); the close is what always happens.
 */
export function killChannel(channel: ClientChannel): void {
  try {
    channel.signal('KILL');
  } catch {
    // the channel may already be closing
  }
  channel.close();
}

/**
 * Runs one command on an exec channel: no PTY, output capped per stream, a deadline that closes the
 * channel. The command string is sent as is: build it with shellQuote, never by interpolation.
 */
export function exec(client: Client, command: string, options: ExecOptions): Promise<ExecResult> {
  const label = hopLabelOf(client);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const stdout = new CappedBuffer(options.maxBytes);
    const stderr = new CappedBuffer(options.maxBytes);
    let channel: ClientChannel | null = null;
    let done = false;
    let timedOut = false;
    let code: number | null = null;
    let exitSignal: string | null = null;

    const stopChannel = (): void => {
      if (channel === null) return;
      channel.removeAllListeners('data');
      channel.stderr.removeAllListeners('data');
      channel.resume();
      channel.stderr.resume();
      killChannel(channel);
    };
    const settle = (): void => {
      done = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    const finish = (): void => {
      if (done) return;
      settle();
      resolve({
        code,
        signal: exitSignal,
        stdout: stdout.text(),
        stderr: stderr.text(),
        truncated: stdout.truncated || stderr.truncated,
        timedOut,
        ms: Math.round(performance.now() - started),
      });
    };
    // On the deadline: ask for SIGKILL (sshd honours it only with post-auth privilege separation,
    // so not for root logins), close the channel, and answer at once with what arrived so far.
    // sshd keeps the channel until the command exits; we do not wait for that.
    const timer = setTimeout(() => {
      timedOut = true;
      stopChannel();
      finish();
    }, options.timeoutMs);
    const onAbort = (): void => {
      if (done) return;
      settle();
      stopChannel();
      reject(new SshError('cancelled', label, 'the command was cancelled.'));
    };
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    try {
      client.exec(command, (error, ch) => {
        if (error) {
          if (done) return;
          settle();
          return reject(new SshError('protocol', label, `could not start a command: ${error.message}`, { cause: error }));
        }
        if (done) {
          ch.close();
          return;
        }
        channel = ch;
        ch.on('data', (chunk: Buffer) => {
          stdout.push(chunk);
          options.onStdout?.(chunk);
        });
        ch.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
        ch.on('exit', (exitCode: number | null, signalName?: string) => {
          code = typeof exitCode === 'number' ? exitCode : null;
          exitSignal = signalName ?? null;
        });
        ch.on('close', finish);
      });
    } catch (error) {
      settle();
      reject(new SshError('connect-failed', label, 'the SSH connection is closed.', { detail: (error as Error).message, cause: error }));
    }
  });
}
