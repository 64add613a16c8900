import { runCli } from './main';

// The `portwise` executable: wire the real process to the CLI.
process.exitCode = await runCli({
  argv: process.argv.slice(2),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  onInterrupt: (handler) => process.once('SIGINT', handler),
  tty: process.stdin.isTTY && process.stderr.isTTY ? { input: process.stdin, output: process.stderr } : null,
});
