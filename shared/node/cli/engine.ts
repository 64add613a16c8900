import { config } from 'zod';

/**
 * The CLI's engine, bundled into one CommonJS file (out/cli/engine.cjs) that the launcher loads
 * with V8's code cache (launcher.ts). Runs one command on the real process; resolves to its exit code.
 */
export async function runPortwise(argv: string[]): Promise<number> {
  // A command runs once and exits: zod's compiled fast path (code generated on each object schema's
  // first parse) costs more here than it saves; the long-running app keeps it. zod reads the setting
  // when a schema is made, so the CLI, whose modules make the schemas, is loaded only after it.
  config({ jitless: true });
  const { runCli } = await import('./main');
  return runCli({
    argv,
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    onInterrupt: (handler) => process.once('SIGINT', handler),
    tty: process.stdin.isTTY && process.stderr.isTTY ? { input: process.stdin, output: process.stderr } : null,
  });
}
