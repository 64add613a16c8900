import type { ServerChannel } from 'ssh2';
import { shellCommandLine } from '../../shared/node/remote/shell-transport';

export interface ShellAnswer {
  stdout: string;
  stderr: string;
  code: number;
}

const CMD = '\u0000cmd\u0000';
const NONCE = 'feedface';
/** The line the session's shell reads for a command, as a pattern built from the real template. */
const LINE = (() => {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const [head, tail] = shellCommandLine(CMD, NONCE).split(CMD) as [string, string];
  const nonceAt = tail.split(NONCE);
  return new RegExp(`^${escape(head)}([\\s\\S]*?)${nonceAt.map(escape).join('([0-9a-f]+)')}`);
})();

/**
 * Plays the session's shell (remote/shell-transport.ts) on an ssh2 server channel without a shell:
 * each command line read from stdin goes to `handle`, whose answer is written back with the
 * markers the transport waits for. Answers may come later (a test holding a login at a gate), but
 * the transport sends the next command only after the answer, as with a real shell.
 */
export function fakeShell(stream: ServerChannel, handle: (command: string, answer: (out: ShellAnswer) => void) => void): void {
  let input = '';
  stream.on('data', (chunk: Buffer) => {
    input += chunk.toString('utf8');
    for (let m = LINE.exec(input); m; m = LINE.exec(input)) {
      input = input.slice(m[0].length);
      const nonce = m[2]!;
      handle(m[1]!, (out) => {
        stream.write(`${out.stdout}\n@@pw-done-${nonce} ${out.code}\n`);
        stream.stderr.write(`${out.stderr}\n@@pw-done-${nonce}\n`);
      });
    }
  });
}
