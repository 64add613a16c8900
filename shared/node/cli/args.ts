import { parseArgs } from 'node:util';
import { ProbeOptions, defaultProbeOptions } from '../../common/schema/probe';
import { parseTarget, shown, type Target } from '../../common/schema/target';

export type Command =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'diagnose'; input: string; target: Target; json: boolean; color: boolean | null; options: ProbeOptions };

export type ParsedArgs = { ok: true; command: Command } | { ok: false; message: string };

export const usage = `Usage: portwise diagnose <host>:<port> [options]

Finds out why a TCP connection is refused: resolves every address, probes each one,
and walks the decision tree to a diagnosis.

Options:
  --json            print one JSON report (portwise.report/1) on stdout
  --timeout MS      connect deadline per probe, 100-60000 (default ${defaultProbeOptions.timeoutMs})
  --probes N        rounds of probes per address, 1-10 (default ${defaultProbeOptions.rounds})
  --no-color        no colours (NO_COLOR is honoured too)
  -h, --help        show this help
  -v, --version     show the version

Targets: host:port, [IPv6]:port, or a URL such as postgres://db.example.com:5432.
Exit codes: 0 a cause was found, 3 inconclusive, 2 bad usage, 1 internal error.
`;

function integerOption(name: string, text: string | undefined, fallback: number, min: number, max: number): { ok: true; value: number } | { ok: false; message: string } {
  if (text === undefined) return { ok: true, value: fallback };
  if (!/^[0-9]+$/.test(text)) return { ok: false, message: `--${name} takes a whole number from ${min} to ${max}, not "${shown(text)}".` };
  const value = Number(text);
  if (value < min || value > max) return { ok: false, message: `--${name} must be from ${min} to ${max}, not ${value}.` };
  return { ok: true, value };
}

/** argv (without node and script) -> a command, or a one-line reason for exit code 2. */
export function parseCommandLine(argv: readonly string[]): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean' },
        timeout: { type: 'string' },
        probes: { type: 'string' },
        'no-color': { type: 'boolean' },
        color: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    // Node's message goes on to explain `--`; its first sentence is the useful part.
    return { ok: false, message: `${shown((error as Error).message.split(/\.\s|\n/)[0] ?? 'bad arguments', 200)}.` };
  }
  const { values, positionals } = parsed;
  if (values.help) return { ok: true, command: { kind: 'help' } };
  if (values.version) return { ok: true, command: { kind: 'version' } };
  const [verb, ...rest] = positionals;
  if (verb === undefined) return { ok: false, message: 'Missing a command: try "portwise diagnose host:port".' };
  if (verb !== 'diagnose') return { ok: false, message: `Unknown command "${shown(verb)}": try "portwise diagnose host:port".` };
  if (rest.length === 0) return { ok: false, message: 'diagnose needs a target, as in "portwise diagnose db.example.com:5432".' };
  if (rest.length > 1) return { ok: false, message: `diagnose takes one target; got ${rest.length}: ${shown(rest.join(' '))}.` };
  const input = rest[0] ?? '';
  const target = parseTarget(input);
  if (!target.ok) return { ok: false, message: `Bad target "${shown(input)}": ${target.error.message}` };
  const timeout = integerOption('timeout', values.timeout, defaultProbeOptions.timeoutMs, 100, 60_000);
  if (!timeout.ok) return timeout;
  const probes = integerOption('probes', values.probes, defaultProbeOptions.rounds, 1, 10);
  if (!probes.ok) return probes;
  const options = ProbeOptions.parse({ ...defaultProbeOptions, timeoutMs: timeout.value, rounds: probes.value });
  const color = values['no-color'] ? false : values.color ? true : null;
  return { ok: true, command: { kind: 'diagnose', input, target: target.value, json: values.json ?? false, color, options } };
}
