import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { CappedBuffer } from '../output-digest';
import { SshError } from '../ssh/errors';
import type { Client, ClientChannel } from '../ssh/ssh2';
import { hopLabelOf, killChannel } from '../ssh/connect';
import type { HopLabel } from '../ssh/prompt';
import { MarkerStream } from './marker-stream';
import type { ExecOptions, ExecResult, ExecTransport } from './transport';

/** A transport that can be closed: the shells it keeps open on the server end with it. */
export interface ShellTransport extends ExecTransport {
  /** How many shells were started on the server so far. */
  readonly shellsStarted: number;
  close(): void;
}

export interface ShellPoolOptions {
  /** At most this many shells (exec channels) at once; sshd's MaxSessions defaults to 10. */
  maxShells: number;
  /** A second shell is opened only if the first answered its first command within this time. */
  cheapShellMs: number;
}

export const defaultShellPool: ShellPoolOptions = { maxShells: 3, cheapShellMs: 300 };

interface Shell {
  channel: ClientChannel;
  busy: boolean;
}

interface Job {
  command: string;
  options: ExecOptions;
  resolve(result: ExecResult): void;
  reject(error: unknown): void;
  /** Stops listening for a cancel while queued (the shell listens once the job runs). */
  detach(): void;
}

/**
 * A session's commands in `sh` shells, each on one exec channel and each running its commands one
 * after another. Every exec channel makes sshd start the login shell with its rc files: on a server
 * whose ~/.bashrc is slow that costs more than all the commands together, so a second shell (up to
 * `maxShells`, for commands in parallel) is opened only when the first one proved cheap to start. A
 * server that refuses another channel (`MaxSessions 1`) is served by the shells it allowed.
 *
 * A shell reads the commands from its stdin. Each one is followed by a line with a fresh nonce and
 * the exit code on stdout, and a line with the nonce on stderr: as a shell's commands run in turn,
 * each stream's bytes up to its marker are that command's. A command's own stdin is /dev/null, so
 * it cannot read the commands that follow it.
 *
 * A command that passes its deadline, or is cancelled, takes its shell with it (the shell is busy
 * and cannot be trusted to be in step); later commands go to the other shells or a new one.
 */
export function shellTransport(client: Client, where: string, pool: ShellPoolOptions = defaultShellPool): ShellTransport {
  const label = hopLabelOf(client);
  const shells = new Set<Shell>();
  const jobs: Job[] = [];
  let starting = 0;
  /** One shell until the first one's cost is known. */
  let allowed = 1;
  let firstShellAt: number | null = null;
  /** Whether the first answer has told what a shell costs here (once: a refused channel later must not undo it). */
  let measured = false;
  let shellsStarted = 0;
  let closed = false;

  const closedError = () => new SshError('connect-failed', label, 'the SSH connection is closed.');
  const cancelledError = () => new SshError('cancelled', label, 'the command was cancelled.');

  const failQueued = (error: SshError): void => {
    for (const job of jobs.splice(0)) {
      job.detach();
      job.reject(error);
    }
  };

  /**
   * The connection is gone (sshd killed, the link cut and the keepalive gave up): no shell can start
   * any more, so every queued and later command fails at once instead of asking again and again.
   */
  let lost: SshError | null = null;
  const connectionLost = (error: SshError): void => {
    if (lost !== null) return;
    lost = error;
    failQueued(error);
  };
  client.once('close', () => connectionLost(closedError()));

  const dispatch = (): void => {
    for (const shell of shells) {
      const job = !shell.busy ? jobs.shift() : undefined;
      if (job) runOn(shell, job);
    }
    // Jobs still waiting and no idle shell: start as many as they need and the pool allows.
    while (!closed && lost === null && jobs.length > starting && shells.size + starting < allowed) startShell();
  };

  const startShell = (): void => {
    starting++;
    const requestedAt = performance.now();
    firstShellAt ??= requestedAt;
    const failed = (error: SshError): void => {
      // Refused while other shells live (MaxSessions): make do with those.
      if (shells.size > 0) allowed = Math.max(1, shells.size);
      else if (starting === 0) failQueued(error);
      dispatch();
    };
    try {
      client.exec('sh', (error, channel) => {
        starting--;
        if (error) return failed(new SshError('protocol', label, `could not start a shell: ${error.message}`, { cause: error }));
        if (closed) return void channel.end();
        shellsStarted++;
        const shell: Shell = { channel, busy: false };
        shells.add(shell);
        channel.on('close', () => {
          shells.delete(shell);
          dispatch();
        });
        dispatch();
      });
    } catch (error) {
      // ssh2 throws when it is no longer connected: not one shell's refusal, the connection's end.
      starting--;
      connectionLost(new SshError('connect-failed', label, 'the SSH connection is closed.', { detail: (error as Error).message, cause: error }));
    }
  };

  const runOn = (shell: Shell, job: Job): void => {
    job.detach();
    shell.busy = true;
    const drop = () => {
      shells.delete(shell);
      killChannel(shell.channel);
    };
    runInShell(shell.channel, job.command, job.options, label, drop).then(
      (result) => {
        if (!measured && firstShellAt !== null) {
          // The first answer tells what a shell costs here (the login shell's rc files included).
          measured = true;
          allowed = performance.now() - firstShellAt <= pool.cheapShellMs ? pool.maxShells : 1;
        }
        shell.busy = false;
        job.resolve(result);
        dispatch();
      },
      (error: unknown) => {
        shell.busy = false;
        job.reject(error);
        dispatch();
      },
    );
  };

  return {
    where,
    inPosixShell: true,
    capacity: () => allowed,
    get shellsStarted() {
      return shellsStarted;
    },
    exec(command, options) {
      if (closed) return Promise.reject(closedError());
      if (lost !== null) return Promise.reject(lost);
      if (options.signal?.aborted) return Promise.reject(cancelledError());
      return new Promise<ExecResult>((resolve, reject) => {
        const onAbort = () => {
          const at = jobs.indexOf(job);
          if (at < 0) return;
          jobs.splice(at, 1);
          reject(cancelledError());
        };
        const job: Job = { command, options, resolve, reject, detach: () => options.signal?.removeEventListener('abort', onAbort) };
        options.signal?.addEventListener('abort', onAbort, { once: true });
        jobs.push(job);
        dispatch();
      });
    },
    close() {
      closed = true;
      failQueued(closedError());
      // End of input: each shell exits after its current command.
      for (const shell of shells) shell.channel.end();
    },
  };
}

/** The note a command cut short by its channel's close gets on its stderr. */
export const CLOSED_EARLY = 'the SSH channel closed before the command finished (the server ended the session, or the connection was lost).';

/** The line the shell reads for one command: the command, then its markers on stdout and stderr. */
export function shellCommandLine(command: string, nonce: string): string {
  // A subshell: the command's text is one unit for the redirection whatever it ends with, and an
  // `exit` in it (or a `cd`, a variable) cannot touch the session's shell.
  return `( ${command}\n) </dev/null; printf '\\n@@pw-done-%s %s\\n' ${nonce} "$?"; printf '\\n@@pw-done-%s\\n' ${nonce} >&2\n`;
}

function runInShell(channel: ClientChannel, command: string, options: ExecOptions, label: HopLabel, dropShell: () => void): Promise<ExecResult> {
  const started = performance.now();
  const nonce = randomBytes(12).toString('hex');
  const stdout = new CappedBuffer(options.maxBytes);
  const stderr = new CappedBuffer(options.maxBytes);
  const outMarker = new MarkerStream(Buffer.from(`\n@@pw-done-${nonce} `), (chunk) => {
    stdout.push(chunk);
    options.onStdout?.(chunk);
  });
  // The stderr marker has no code after it: an empty rest of the line.
  const errMarker = new MarkerStream(Buffer.from(`\n@@pw-done-${nonce}`), (chunk) => stderr.push(chunk), 0);

  return new Promise((resolve, reject) => {
    let done = false;
    let timedOut = false;
    const onStdout = (chunk: Buffer) => {
      outMarker.push(chunk);
      check();
    };
    const onStderr = (chunk: Buffer) => {
      errMarker.push(chunk);
      check();
    };
    const cleanUp = () => {
      done = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      channel.off('data', onStdout);
      channel.stderr.off('data', onStderr);
      channel.off('close', onClose);
    };
    const result = (code: number | null): ExecResult => ({
      code,
      signal: null,
      stdout: stdout.text(),
      stderr: stderr.text(),
      truncated: stdout.truncated || stderr.truncated,
      timedOut,
      ms: Math.round(performance.now() - started),
    });
    const check = () => {
      if (done || !outMarker.done || !errMarker.done) return;
      cleanUp();
      const code = Number(outMarker.tail);
      resolve(result(Number.isInteger(code) ? code : null));
    };
    // The shell ended mid-command (the server closed the session, sshd was killed): what arrived.
    const onClose = () => {
      if (done) return;
      cleanUp();
      outMarker.flush();
      errMarker.flush();
      // Said where a person reads why the command has no exit code.
      stderr.push(Buffer.from(`${stderr.text() === '' || stderr.text().endsWith('\n') ? '' : '\n'}${CLOSED_EARLY}\n`));
      resolve(result(null));
    };
    const timer = setTimeout(() => {
      if (done) return;
      timedOut = true;
      cleanUp();
      outMarker.flush();
      errMarker.flush();
      dropShell();
      resolve(result(null));
    }, options.timeoutMs);
    const onAbort = () => {
      if (done) return;
      cleanUp();
      dropShell();
      reject(new SshError('cancelled', label, 'the command was cancelled.'));
    };
    // Cancelled while its shell was starting: it never ran, and the shell stays usable.
    if (options.signal?.aborted) {
      cleanUp();
      return reject(new SshError('cancelled', label, 'the command was cancelled.'));
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
    channel.on('data', onStdout);
    channel.stderr.on('data', onStderr);
    channel.on('close', onClose);
    channel.write(shellCommandLine(command, nonce));
  });
}
