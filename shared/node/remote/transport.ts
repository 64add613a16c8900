import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

// One shape for every transport: the SSH exec channel defines it, the local shell follows it.
export type { ExecOptions, ExecResult } from '../ssh/connect';
import type { ExecOptions, ExecResult } from '../ssh/connect';
import { CappedBuffer } from '../output-digest';

/**
 * Runs one shell command string somewhere: over an SSH exec channel on the server, or here for the
 * workstation's own checks and tests. The runner builds the string; a transport only carries it.
 */
export interface ExecTransport {
  readonly where: string;
  /** Commands run in a POSIX `sh` already (not in the login shell, which may be fish or csh). */
  readonly inPosixShell?: boolean;
  /** How many commands it runs at once now (absent: as many as it is given). */
  capacity?(): number;
  exec(command: string, options: ExecOptions): Promise<ExecResult>;
}

/** `sh -c` on this machine, with the same deadline and cap rules as the SSH transport. */
export const localTransport: ExecTransport = {
  where: 'workstation',
  exec(command, options) {
    return new Promise((resolve) => {
      const t0 = performance.now();
      const stdout = new CappedBuffer(options.maxBytes);
      const stderr = new CappedBuffer(options.maxBytes);
      let timedOut = false;
      // Its own process group, so a deadline kills the whole pipeline and not only `sh`.
      const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      const kill = () => {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      };
      const timer = setTimeout(() => {
        timedOut = true;
        kill();
      }, options.timeoutMs);
      const onAbort = () => {
        timedOut = true;
        kill();
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      child.stdout.on('data', (c: Buffer) => {
        stdout.push(c);
        options.onStdout?.(c);
      });
      child.stderr.on('data', (c: Buffer) => stderr.push(c));
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        resolve({ code, signal, stdout: stdout.text(), stderr: stderr.text(), truncated: stdout.truncated || stderr.truncated, timedOut, ms: performance.now() - t0 });
      });
      child.on('error', (error) => {
        clearTimeout(timer);
        resolve({ code: null, signal: null, stdout: '', stderr: error.message, truncated: false, timedOut: false, ms: performance.now() - t0 });
      });
    });
  },
};
