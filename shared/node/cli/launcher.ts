import path from 'node:path';
import { codeCacheDir, loadEngine, runKind } from './code-cache';
import type { runPortwise } from './engine';

/**
 * The `portwise` executable (out/cli/portwise.cjs): loads the engine with V8's code kept from an
 * earlier run of the same kind (code-cache.ts), runs the command, and exits once the output is out.
 * PORTWISE_CODE_CACHE=off compiles afresh and keeps nothing; =trace says on stderr what the cache did.
 */
async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const mode = process.env.PORTWISE_CODE_CACHE;
  const cache = mode === 'off' ? null : { dir: codeCacheDir(process.env), kind: runKind(argv) };
  const engine = loadEngine(path.join(__dirname, 'engine.cjs'), cache);
  const code = await (engine.exports as { runPortwise: typeof runPortwise }).runPortwise(argv);

  // runPortwise has awaited everything it started (connections closed, files written), so what is
  // left is Node tearing down its heap, a third of the time between a verdict and the shell prompt
  // here. Exit once both streams have handed over what was written (pipes are asynchronous on macOS).
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  // After the output is out: writing a first run's cache delays only the exit, not the result.
  const saved = engine.save();
  if (mode === 'trace') process.stderr.write(`portwise: ${saved}\n`);
  process.exit(code);
}

const flushed = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write('', () => resolve()));

void main();
