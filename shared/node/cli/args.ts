import { parseArgs } from 'node:util';
import { ProbeOptions, defaultProbeOptions } from '../../common/schema/probe';
import { parseSshChain, type SshDestination } from '../../common/schema/ssh-destination';
import { parseTarget, shown, type Target } from '../../common/schema/target';

/** How to reach the server over SSH (absent: workstation evidence only). */
export interface SshOptions {
  destination: SshDestination;
  jumps: SshDestination[];
  identityFiles: string[];
  knownHostsFiles: string[];
  acceptNewHostKey: boolean;
  /** May root-only commands be retried with `sudo -n`? */
  sudo: boolean;
}

export type Command =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'causes'; json: boolean }
  | { kind: 'explain'; cause: string; service: string | null; json: boolean }
  | {
      kind: 'diagnose';
      input: string;
      target: Target;
      json: boolean;
      color: boolean | null;
      options: ProbeOptions;
      ssh: SshOptions | null;
      service: string | null;
      /** A JSON file of answers, pasted outputs and overrides keyed by node id (manual mode). */
      answersFile: string | null;
    };

export type ParsedArgs = { ok: true; command: Command } | { ok: false; message: string };

export const usage = `Usage: portwise diagnose <host>:<port> [options]
       portwise causes [--json]
       portwise explain <cause-id> [--service NAME] [--json]

Finds out why a TCP connection is refused: resolves every address, probes each one,
and walks the decision tree to a diagnosis. \`causes\` lists every cause it knows;
\`explain\` prints one, with its fix.

Options:
  --json            print one JSON report (portwise.report/1) on stdout
  --timeout MS      connect deadline per probe, 100-60000 (default ${defaultProbeOptions.timeoutMs})
  --probes N        rounds of probes per address, 1-10 (default ${defaultProbeOptions.rounds})
  --no-color        no colours (NO_COLOR is honoured too)

Server evidence over SSH (read-only commands):
  --ssh USER@HOST[:PORT]     log in to the server that should answer
  --jump USER@HOST[:PORT]    through this jump host (repeat for a chain, in order)
  --identity FILE            private key to offer (repeatable; the agent is used too)
  --known-hosts FILE         extra known_hosts file to trust (repeatable)
  --accept-new-host-key      trust an unknown host key (it is then saved in Portwise's own file)
  --sudo                     retry root-only reads with \`sudo -n\` (never prompts)
  --service NAME             the service that should listen (systemd unit): its state and log are
                             read, and the fix is written for it

Without SSH (manual mode):
  --answers FILE    a JSON file keyed by step id: {"T13": {"paste": "<ss -tlnp output>"},
                    "T2": {"choice": "direct"}, "T9": {"override": {"to": "T10", "reason": "..."}}}.
                    When the evidence runs out, the report names the step, its question and the
                    exact command to run on the server.
  -h, --help        show this help
  -v, --version     show the version

Targets: host:port, [IPv6]:port, or a URL such as postgres://db.example.com:5432.
Exit codes: 0 a cause was found, 3 inconclusive, 2 bad usage, 4 SSH failed, 1 internal error.
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
        ssh: { type: 'string' },
        jump: { type: 'string', multiple: true },
        identity: { type: 'string', multiple: true },
        'known-hosts': { type: 'string', multiple: true },
        'accept-new-host-key': { type: 'boolean' },
        sudo: { type: 'boolean' },
        service: { type: 'string' },
        answers: { type: 'string' },
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
  const service = values.service ?? null;
  // A service name travels to the server as one quoted word; only what no unit name can hold is refused here.
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (service !== null && (service === '' || service.length > 256 || /[\u0000-\u001f\u007f]/.test(service))) {
    return { ok: false, message: `--service takes a unit name (at most 256 characters, no control characters), not "${shown(service)}".` };
  }
  if (verb === 'causes' || verb === 'explain') {
    const diagnoseOnly = (['timeout', 'probes', 'ssh', 'jump', 'identity', 'known-hosts', 'accept-new-host-key', 'sudo', 'answers'] as const).find((name) => values[name] !== undefined);
    if (diagnoseOnly) return { ok: false, message: `--${diagnoseOnly} belongs to "portwise diagnose".` };
    if (verb === 'causes') {
      if (rest.length > 0) return { ok: false, message: `causes takes no arguments; got ${shown(rest.join(' '))}.` };
      if (service !== null) return { ok: false, message: '--service belongs to "portwise explain" or "portwise diagnose".' };
      return { ok: true, command: { kind: 'causes', json: values.json ?? false } };
    }
    if (rest.length !== 1) return { ok: false, message: 'explain takes one cause id, as in "portwise explain bind-loopback-only" (see "portwise causes").' };
    return { ok: true, command: { kind: 'explain', cause: rest[0] ?? '', service, json: values.json ?? false } };
  }
  if (verb !== 'diagnose') return { ok: false, message: `Unknown command "${shown(verb)}": try "portwise diagnose host:port", "portwise causes" or "portwise explain CAUSE".` };
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
  let ssh: SshOptions | null = null;
  const sshOnly = ['jump', 'identity', 'known-hosts', 'accept-new-host-key', 'sudo'] as const;
  if (values.ssh === undefined) {
    const stray = sshOnly.find((name) => values[name] !== undefined);
    if (stray) return { ok: false, message: `--${stray} needs --ssh USER@HOST.` };
  } else {
    const chain = parseSshChain(values.ssh, values.jump ?? []);
    if (!chain.ok) return { ok: false, message: `--${chain.error.which === 'jump' ? 'jump' : 'ssh'}: ${chain.error.message}` };
    ssh = {
      ...chain.value,
      identityFiles: values.identity ?? [],
      knownHostsFiles: values['known-hosts'] ?? [],
      acceptNewHostKey: values['accept-new-host-key'] ?? false,
      sudo: values.sudo ?? false,
    };
  }
  const answersFile = values.answers ?? null;
  if (answersFile === '') return { ok: false, message: '--answers takes a file name.' };
  return { ok: true, command: { kind: 'diagnose', input, target: target.value, json: values.json ?? false, color, options, ssh, service, answersFile } };
}
