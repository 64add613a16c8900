import type { ExecResult, ExecTransport } from '../../shared/node/remote/transport';

/** What a fake server's command printed, and its exit code. */
export interface Answer {
  stdout?: string;
  stderr?: string;
  code?: number;
}

/**
 * A command answered the way the runner's frame (`wrapCommand`) makes a real shell answer it: the
 * output between the command's own nonce markers, the exit code inside the frame, and the channel
 * itself ending with 0. A command without a frame gets the answer as it is.
 */
export function framedAnswer(command: string, answer: Answer): { stdout: string; stderr: string; code: number } {
  const stdout = answer.stdout ?? '';
  const stderr = answer.stderr ?? '';
  const code = answer.code ?? 0;
  const nonce = /@@pw-begin-([A-Za-z0-9]+)/.exec(command)?.[1];
  if (nonce === undefined) return { stdout, stderr, code };
  return { stdout: `\n@@pw-begin-${nonce}\n${stdout}\n@@pw-end-${nonce} ${code}\n`, stderr, code: 0 };
}

/** A transport whose server answers each command with `answer(command)`, framed; `commands` lists what ran. */
export function scriptedTransport(where: string, answer: (command: string) => Answer): { transport: ExecTransport; commands: string[] } {
  const commands: string[] = [];
  const transport: ExecTransport = {
    where,
    async exec(command): Promise<ExecResult> {
      commands.push(command);
      return { ...framedAnswer(command, answer(command)), signal: null, truncated: false, timedOut: false, ms: 1 };
    },
  };
  return { transport, commands };
}
