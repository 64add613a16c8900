import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { CappedBuffer } from '../output-digest';
import { SshError } from '../ssh/errors';
import type { Client, ClientChannel } from '../ssh/ssh2';
import { hopLabelOf } from '../ssh/connect';
import type { HopLabel } from '../ssh/prompt';
import { MarkerStream } from './marker-stream';
import type { ExecOptions, ExecResult, ExecTransport } from './transport';

/** A transport that can be closed: the shell it keeps open on the server ends with it. */
export interface ShellTransport extends ExecTransport {
  /** How many shells were started on the server so far (one, unless one had to be replaced). */
  readonly shellsStarted: number;
  close(): void;
}

/**
 * Every command of a session in one `sh` on one exec channel, one after another. Each exec channel
 * makes sshd start the login shell, with its rc files: on a server whose ~/.bashrc is slow that costs
 * more than all the commands together, and a server with `MaxSessions 1` allows only one channel.
 *
 * The shell reads the commands from its stdin. Each one is followed by a line with a fresh nonce and
 * the exit code on stdout, and a line with the nonce on stderr: as the commands run in turn, each
 * stream's bytes up to its marker are that command's. A command's own stdin is /dev/null, so it
 * cannot read the commands that follow it.
 *
 * A command that passes its deadline, or is cancelled, takes its shell with it (the shell is busy
 * and cannot be trusted to be in step); the next command starts a new one.
 */
export function shellTransport(client: Client, where: string): ShellTransport {
  const label = hopLabelOf(client);
  let shell: Promise<ClientChannel> | null = null;
  let queue: Promise<unknown> = Promise.resolve();
  let shellsStarted = 0;
  let closed = false;

  const startShell = (): Promise<ClientChannel> => {
    const starting = new Promise<ClientChannel>((resolve, reject) => {
      try {
        client.exec('sh', (error, channel) => {
          if (error) return reject(new SshError('protocol', label, `could not start a shell: ${error.message}`, { cause: error }));
          shellsStarted++;
          channel.on('close', () => forget(starting));
          resolve(channel);
        });
      } catch (error) {
        reject(new SshError('connect-failed', label, 'the SSH connection is closed.', { detail: (error as Error).message, cause: error }));
      }
    });
    // A failed start is this command's error; the next command tries again.
    starting.catch(() => forget(starting));
    shell = starting;
    return starting;
  };
  const forget = (which: Promise<ClientChannel>): void => {
    if (shell === which) shell = null;
  };

  const run = async (command: string, options: ExecOptions): Promise<ExecResult> => {
    if (closed) throw new SshError('connect-failed', label, 'the SSH connection is closed.');
    if (options.signal?.aborted) throw new SshError('cancelled', label, 'the command was cancelled.');
    const starting = shell ?? startShell();
    const channel = await starting;
    return runInShell(channel, command, options, label, () => {
      forget(starting);
      killShell(channel);
    });
  };

  return {
    where,
    get shellsStarted() {
      return shellsStarted;
    },
    exec(command, options) {
      const next = queue.then(() => run(command, options));
      queue = next.catch(() => undefined);
      return next;
    },
    close() {
      closed = true;
      // End of input: the shell exits after its current command.
      void shell?.then((channel) => channel.end()).catch(() => undefined);
      shell = null;
    },
  };
}

function killShell(channel: ClientChannel): void {
  try {
    channel.signal('KILL');
  } catch {
    // the channel may already be closing
  }
  channel.close();
}

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
