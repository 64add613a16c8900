import { config } from 'zod';

// A command runs once and exits: zod's compiled fast path (code generated on each object schema's
// first parse) costs more here than it saves; the long-running app keeps it. zod reads the setting
// when a schema is made, so the CLI, whose modules make the schemas, is loaded only after it.
config({ jitless: true });
const { runCli } = await import('./main');

// The `portwise` executable: wire the real process to the CLI.
const code = await runCli({
  argv: process.argv.slice(2),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  onInterrupt: (handler) => process.once('SIGINT', handler),
  tty: process.stdin.isTTY && process.stderr.isTTY ? { input: process.stdin, output: process.stderr } : null,
});

// runCli has awaited everything it started (connections closed, files written), so what is left
// is Node tearing down its heap, a third of the time between a verdict and the shell prompt here.
// Exit once both streams have handed over what was written (pipes are asynchronous on macOS).
const flushed = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write('', () => resolve()));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
