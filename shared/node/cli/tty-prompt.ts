import type { PromptPort } from '../ssh/prompt';
import { describeHop } from '../ssh/prompt';

export interface TtyIo {
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
}

/**
 * The CLI's prompt port. Host keys are never asked here: the CLI's policy is decided by
 * --accept-new-host-key (accept-new) or its absence (refuse). Secrets are asked on the terminal with
 * echo off; without a terminal (scripts, CI) every question is declined, so nothing hangs.
 */
export function cliPromptPort(tty: TtyIo | null): PromptPort {
  const ask = async (question: string, echo: boolean): Promise<string | null> => (tty ? readLine(tty, question, echo) : null);
  return {
    confirmHostKey: async () => false,
    passphrase: (q) => ask(`${describeHop(q.hop)}: passphrase for ${q.keyPath}: `, false),
    password: (q) => ask(`${describeHop(q.hop)}: password: `, false),
    async keyboardInteractive(q) {
      if (!tty) return null;
      if (q.instructions) tty.output.write(`${q.instructions}\n`);
      const answers: string[] = [];
      for (const p of q.prompts) {
        const answer = await readLine(tty, `${describeHop(q.hop)}: ${p.prompt}`, p.echo);
        if (answer === null) return null;
        answers.push(answer);
      }
      return answers;
    },
  };
}

/** One line from a terminal; with echo off the typed characters are not shown. Ctrl-C or Ctrl-D: null. */
function readLine(tty: TtyIo, question: string, echo: boolean): Promise<string | null> {
  return new Promise((resolve) => {
    const { input, output } = tty;
    output.write(question);
    const wasRaw = input.isRaw;
    input.setRawMode?.(true);
    input.resume();
    let text = '';
    const done = (value: string | null) => {
      input.removeListener('data', onData);
      input.setRawMode?.(wasRaw);
      input.pause();
      output.write('\n');
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(text);
        if (ch === '\u0003' || ch === '\u0004') return done(null);
        if (ch === '\u007f' || ch === '\b') {
          text = text.slice(0, -1);
          continue;
        }
        text += ch;
        if (echo) output.write(ch);
      }
    };
    input.on('data', onData);
  });
}
