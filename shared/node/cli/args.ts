import { parseArgs } from 'node:util';
import { AuthMethod } from '../../common/schema/profile';
import { FLEET_LIMITS, isServiceName, PROBE_LIMITS, SERVICE_NAME_MAX } from '../../common/schema/limits';
import { ProbeOptions, defaultProbeOptions } from '../../common/schema/probe';
import { parseSshChain, type SshDestination } from '../../common/schema/ssh-destination';
import { parseTarget, shown, type Target } from '../../common/schema/target';
import type { ProfilePatch } from '../store/profile-store';
import { exportFormatOf, type ExportFormat } from '../../common/report/export-format';
import { parseRedactClasses, type RedactClass } from '../../common/report/redact';

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

/** `diagnose --profile NAME`: the chain, logins, sudo policy and service hint come from the saved profiles. */
export interface ProfileAccessOptions {
  /** A profile's name or id. */
  ref: string;
  /** Extra known_hosts files, besides the profiles' own. */
  knownHostsFiles: string[];
  acceptNewHostKey: boolean;
  /** --sudo: use `sudo -n` even if the profile says never. */
  sudo: boolean;
}

/**
 * `portwise profiles ...`. A new subcommand (such as `import-ssh-config [--file F]`) is one member
 * here, one entry in `profileVerbs` below and one in the runner's table (cli/profiles.ts).
 */
export type ProfilesAction =
  | { verb: 'list'; search: string | null; groups: string[]; tags: string[] }
  | { verb: 'show'; ref: string }
  | { verb: 'add'; fields: ProfilePatch }
  | { verb: 'edit'; ref: string; fields: ProfilePatch }
  | { verb: 'remove'; ref: string }
  /** Without `save`, only the preview: nothing is written. */
  | { verb: 'import-ssh-config'; file: string | null; save: boolean; update: boolean };

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
      /** Environment variables NAMED by the user that hold a password or a key's passphrase (never the secret itself). */
      secretEnv: { password?: string; passphrase?: string };
      /** Present only with --profile (then `ssh` is null). */
      profile?: ProfileAccessOptions;
      /** --report FILE (repeatable): the report written there, in the format its extension names. */
      reports: { file: string; format: ExportFormat }[];
      /** --redact: what else the exported files hide (secrets are always hidden). */
      redact: ReadonlySet<RedactClass>;
      /** --browser PATH: the Chromium, Chrome or Edge that prints the .pdf files (null: looked for). */
      browser: string | null;
      /** False with --no-history: the finished report is not kept in the history. */
      history: boolean;
    }
  | { kind: 'profiles'; action: ProfilesAction; json: boolean }
  | { kind: 'history'; action: HistoryAction }
  | FleetCommand;

/** One server of `portwise fleet`, as given: an SSH destination (with the shared --jump chain) or a saved profile. */
export type FleetServerOption = { kind: 'ssh'; ssh: SshOptions } | { kind: 'profile'; profile: ProfileAccessOptions };

/** `portwise fleet PORT --ssh A --ssh B --profile C ...`: the same port diagnosed on every server. */
export interface FleetCommand {
  kind: 'fleet';
  port: number;
  /** In the order given on the command line. */
  servers: FleetServerOption[];
  /** At most this many servers at once (1-32). */
  concurrency: number;
  json: boolean;
  color: boolean | null;
  options: ProbeOptions;
  /** --service for every server (else each profile's own hint). */
  service: string | null;
  secretEnv: { password?: string; passphrase?: string };
  /** False with --no-history. */
  history: boolean;
  /** --report FILE (repeatable), --redact, --browser: the whole fleet in one file each; present only with --report. */
  files?: ReportFileOptions;
}

/** The files of `--report` (diagnose, history export): where, in which format, redacted how, printed by what. */
export interface ReportFileOptions {
  reports: { file: string; format: ExportFormat }[];
  redact: ReadonlySet<RedactClass>;
  browser: string | null;
}

/** `portwise history ...`: the reports saved on this computer. */
export type HistoryAction =
  | { verb: 'list'; json: boolean; color: boolean | null; target: Target | null }
  | { verb: 'show'; id: string; json: boolean; color: boolean | null }
  | ({ verb: 'export'; id: string } & ReportFileOptions)
  /** Without `yes`, only what would be removed (a usage error). */
  | { verb: 'clear'; yes: boolean };

export type ParsedArgs = { ok: true; command: Command } | { ok: false; message: string };

export const usage = `Usage: portwise diagnose <host>:<port> [options]
       portwise fleet <port> --ssh USER@HOST[:PORT]... [--profile NAME]... [options]
       portwise causes [--json]
       portwise explain <cause-id> [--service NAME] [--json]
       portwise profiles [list|show|add|edit|remove|import-ssh-config] ... [--json]
       portwise history [list|show|export|clear] ...

Finds out why a TCP connection is refused: resolves every address, probes each one,
and walks the decision tree to a diagnosis. \`fleet\` does it for one port on several
servers at once and sets them side by side. \`causes\` lists every cause it knows;
\`explain\` prints one, with its fix; \`profiles\` keeps the servers you log in to;
\`history\` lists the reports of past diagnoses, saved on this computer.

Options:
  --json            print one JSON report (portwise.report/1) on stdout
  --timeout MS      connect deadline per probe, ${PROBE_LIMITS.timeoutMs.min}-${PROBE_LIMITS.timeoutMs.max} (default ${defaultProbeOptions.timeoutMs})
  --probes N        rounds of probes per address, ${PROBE_LIMITS.rounds.min}-${PROBE_LIMITS.rounds.max} (default ${defaultProbeOptions.rounds})
  --no-color        no colours (NO_COLOR is honoured too)

Server evidence over SSH (read-only commands):
  --ssh USER@HOST[:PORT]     log in to the server that should answer
  --jump USER@HOST[:PORT]    through this jump host (repeat for a chain, in order)
  --identity FILE            private key to offer (repeatable; the agent is used too)
  --known-hosts FILE         extra known_hosts file to trust (repeatable)
  --accept-new-host-key      trust an unknown host key (it is then saved in Portwise's own file)
  --sudo                     retry root-only reads with \`sudo -n\` (never prompts)
  --password-env NAME        the login password is in environment variable NAME (target host only)
  --passphrase-env NAME      the identity files' passphrase is in environment variable NAME
                             (otherwise a terminal asks; nothing is ever saved by the CLI)
  --service NAME             the service that should listen (systemd unit): its state and log are
                             read, and the fix is written for it
  --profile NAME             log in as a saved profile says: its jump hosts, each hop's own user,
                             port, key and method, its sudo policy and its service (unless
                             --service is given); not with --ssh, --jump or --identity

Several servers at once (replicas, the members of a load balancer's pool):
  fleet PORT --ssh USER@HOST[:PORT] [--ssh ...] [--profile NAME ...]
                    each server is diagnosed as "diagnose HOST:PORT --ssh USER@HOST" would: the
                    probe from this computer to its host and port, the evidence from the server
                    itself. Then a table (the probe from here, who listens on the server, the rule
                    that rejects or drops, the cause and how sure) and one verdict line that
                    groups the servers by cause; --json prints one portwise.fleet/1 document.
  --concurrency N   at most N servers at once, 1-${FLEET_LIMITS.maxConcurrency} (default ${FLEET_LIMITS.defaultConcurrency})
                    --jump and --identity apply to every --ssh server (a profile brings its own
                    chain and keys); --known-hosts, --accept-new-host-key, --sudo, --service,
                    --password-env, --passphrase-env, --probes, --timeout, --no-history and
                    --no-color to every server. Nothing is asked: an unknown host key is refused
                    unless --accept-new-host-key, and secrets come only from the agent and the
                    named variables. Each finished report is saved in the history. Ctrl-C
                    cancels every run and closes its connections (and writes no --report file).
  --report FILE     also write the whole fleet to FILE, format by extension as for diagnose:
                    .md or .html (the verdict, the table, then each server's full report or
                    why it has none), .json (the portwise.fleet/1 document) or .pdf (the HTML,
                    printed as diagnose's is); repeatable. --redact LIST and --browser PATH as
                    for diagnose: one redaction for every server's report and the table (with
                    hosts, a profile's name becomes profile-N).
  Exit codes: 0 every server was diagnosed (whatever the cause), 4 the login failed on one
  or more servers (their rows say so), 1 an internal error or a --report file not written,
  2 bad usage, 130 interrupted.

Saved SSH host profiles (in Portwise's folder; PORTWISE_HOME overrides it):
  profiles list [TEXT] [--group G] [--tag T]   name, user@host:port, jump hosts, groups and tags
  profiles show NAME                          one profile and the hops that reach it
  profiles add --name NAME --host HOST --user USER [--port N] [--auth METHOD] [--key FILE]
               [--jump NAME]... [--sudo] [--group G]... [--tag T]... [--service UNIT]
               [--known-hosts FILE]... [--notes TEXT]
  profiles edit NAME [the same options; --no-sudo; an empty value clears: --jump '']
  profiles remove NAME                        refused while another profile jumps through it
  profiles import-ssh-config [--file F] [--yes] [--update]
                                              profiles from ~/.ssh/config (Include, ProxyJump chains,
                                              wildcard defaults): a preview; --yes saves it; --update
                                              refreshes profiles of the same name instead of skipping
  METHOD is agent (default), key, password or keyboard-interactive. --jump names another
  profile (repeat, in the order they are crossed). No password or passphrase is ever saved here.

Exported reports, to attach to a ticket:
  --report FILE     also write the report to FILE: .md (Markdown), .html (one self-contained,
                    printable page), .json (portwise.report/1) or .pdf (the HTML page, printed by
                    a local Chromium, Chrome or Edge); repeatable. Secrets found in outputs are
                    always replaced in these files.
  --redact LIST     also replace, consistently, in the --report files: hosts, ips, users, paths
                    (comma-separated, or all); loopback and wildcard addresses are kept
  --browser PATH    the Chromium, Chrome or Edge that prints the .pdf files (otherwise
                    PORTWISE_BROWSER, then the usual names and places are tried; none found:
                    the other files are still written, and the .pdf is not, exit 1)

History (every finished diagnosis is saved in Portwise's folder; PORTWISE_HOME overrides it):
  --no-history                 diagnose without saving the report in the history
  history list [--target HOST:PORT] [--json]
                               newest first: id, when it finished, target, outcome, cause
  history show ID [--json]     the report as diagnose printed it (or its JSON)
  history export ID --report FILE [--report FILE...] [--redact LIST] [--browser PATH]
                               write a saved report to files, as diagnose --report does
  history clear --yes          remove every saved report (without --yes: says how many)
  Exit codes: 0 done, 1 no saved report has that id (or it is damaged, or a file could not
  be written), 2 bad usage (an id that is not one, clear without --yes).

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
      // The order of --ssh and --profile between them: a fleet's table keeps the servers as given.
      tokens: true,
      options: {
        json: { type: 'boolean' },
        timeout: { type: 'string' },
        probes: { type: 'string' },
        'no-color': { type: 'boolean' },
        ssh: { type: 'string', multiple: true },
        jump: { type: 'string', multiple: true },
        identity: { type: 'string', multiple: true },
        'known-hosts': { type: 'string', multiple: true },
        'accept-new-host-key': { type: 'boolean' },
        'password-env': { type: 'string' },
        'passphrase-env': { type: 'string' },
        sudo: { type: 'boolean' },
        service: { type: 'string' },
        answers: { type: 'string' },
        report: { type: 'string', multiple: true },
        redact: { type: 'string' },
        browser: { type: 'string' },
        'no-history': { type: 'boolean' },
        target: { type: 'string' },
        profile: { type: 'string', multiple: true },
        concurrency: { type: 'string' },
        name: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        user: { type: 'string' },
        auth: { type: 'string' },
        key: { type: 'string' },
        group: { type: 'string', multiple: true },
        tag: { type: 'string', multiple: true },
        notes: { type: 'string' },
        'no-sudo': { type: 'boolean' },
        file: { type: 'string' },
        yes: { type: 'boolean' },
        update: { type: 'boolean' },
        color: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    // Node's message goes on to explain `--`; its first sentence is the useful part.
    return { ok: false, message: `${shown((error as Error).message.split(/\.\s|\n/)[0] ?? 'bad arguments', 200)}.` };
  }
  const { values, positionals, tokens } = parsed;
  if (values.help) return { ok: true, command: { kind: 'help' } };
  if (values.version) return { ok: true, command: { kind: 'version' } };
  const [verb, ...rest] = positionals;
  if (verb === undefined) return { ok: false, message: 'Missing a command: try "portwise diagnose host:port".' };
  if (values.concurrency !== undefined && verb !== 'fleet') return { ok: false, message: '--concurrency belongs to "portwise fleet".' };
  if (verb === 'profiles') return parseProfilesCommand(rest, values);
  if (verb === 'history') return parseHistoryCommand(rest, values);
  if (values.target !== undefined) return { ok: false, message: '--target belongs to "portwise history list".' };
  const profileOnly = [...PROFILE_FIELD_OPTIONS, ...IMPORT_OPTIONS].find((name) => values[name] !== undefined);
  if (profileOnly) return { ok: false, message: `--${profileOnly} belongs to "portwise profiles".` };
  const service = values.service ?? null;
  // A service name travels to the server as one quoted word; only what no unit name can hold is refused here.
  if (service !== null && !isServiceName(service)) {
    return { ok: false, message: `--service takes a unit name (at most ${SERVICE_NAME_MAX} characters, no control characters), not "${shown(service)}".` };
  }
  if (verb === 'causes' || verb === 'explain') {
    const diagnoseOnly = (['timeout', 'probes', 'ssh', 'jump', 'identity', 'known-hosts', 'accept-new-host-key', 'sudo', 'answers', 'profile', 'report', 'redact', 'browser', 'no-history'] as const).find((name) => values[name] !== undefined);
    if (diagnoseOnly) return { ok: false, message: `--${diagnoseOnly} belongs to "portwise diagnose".` };
    if (verb === 'causes') {
      if (rest.length > 0) return { ok: false, message: `causes takes no arguments; got ${shown(rest.join(' '))}.` };
      if (service !== null) return { ok: false, message: '--service belongs to "portwise explain" or "portwise diagnose".' };
      return { ok: true, command: { kind: 'causes', json: values.json ?? false } };
    }
    if (rest.length !== 1) return { ok: false, message: 'explain takes one cause id, as in "portwise explain bind-loopback-only" (see "portwise causes").' };
    return { ok: true, command: { kind: 'explain', cause: rest[0] ?? '', service, json: values.json ?? false } };
  }
  if (verb === 'fleet') return parseFleetCommand(rest, values, serversInOrder(tokens ?? []), service);
  if (verb !== 'diagnose') return { ok: false, message: `Unknown command "${shown(verb)}": try "portwise diagnose host:port", "portwise fleet PORT --ssh ...", "portwise causes", "portwise explain CAUSE", "portwise profiles" or "portwise history".` };
  if (rest.length === 0) return { ok: false, message: 'diagnose needs a target, as in "portwise diagnose db.example.com:5432".' };
  if (rest.length > 1) return { ok: false, message: `diagnose takes one target; got ${rest.length}: ${shown(rest.join(' '))}.` };
  const input = rest[0] ?? '';
  const target = parseTarget(input);
  if (!target.ok) return { ok: false, message: `Bad target "${shown(input)}": ${target.error.message}` };
  const timeout = integerOption('timeout', values.timeout, defaultProbeOptions.timeoutMs, PROBE_LIMITS.timeoutMs.min, PROBE_LIMITS.timeoutMs.max);
  if (!timeout.ok) return timeout;
  const probes = integerOption('probes', values.probes, defaultProbeOptions.rounds, PROBE_LIMITS.rounds.min, PROBE_LIMITS.rounds.max);
  if (!probes.ok) return probes;
  const options = ProbeOptions.parse({ ...defaultProbeOptions, timeoutMs: timeout.value, rounds: probes.value });
  const color = values['no-color'] ? false : values.color ? true : null;
  let ssh: SshOptions | null = null;
  let profile: ProfileAccessOptions | undefined;
  const sshOnly = ['jump', 'identity', 'known-hosts', 'accept-new-host-key', 'sudo'] as const;
  if ((values.ssh?.length ?? 0) > 1 || (values.profile?.length ?? 0) > 1) {
    return { ok: false, message: `diagnose logs in to one server: give --${(values.ssh?.length ?? 0) > 1 ? 'ssh' : 'profile'} once ("portwise fleet PORT --ssh A --ssh B" diagnoses several).` };
  }
  const sshValue = values.ssh?.[0];
  const profileValue = values.profile?.[0];
  if (profileValue !== undefined) {
    if (sshValue !== undefined) return { ok: false, message: '--profile and --ssh both say how to log in: give one of them.' };
    if (values.jump !== undefined) return { ok: false, message: '--jump cannot be used with --profile: the jump hosts come from the profile ("portwise profiles edit NAME --jump ...").' };
    if (values.identity !== undefined) return { ok: false, message: "--identity cannot be used with --profile: each hop logs in with its own profile's key." };
    if (profileValue.trim() === '') return { ok: false, message: '--profile takes the name or id of a saved profile ("portwise profiles list").' };
    profile = { ref: profileValue.trim(), knownHostsFiles: values['known-hosts'] ?? [], acceptNewHostKey: values['accept-new-host-key'] ?? false, sudo: values.sudo ?? false };
  } else if (sshValue === undefined) {
    const stray = sshOnly.find((name) => values[name] !== undefined);
    if (stray) return { ok: false, message: `--${stray} needs --ssh USER@HOST or --profile NAME.` };
  } else {
    const chain = parseSshChain(sshValue, values.jump ?? []);
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
  const secretEnv = { ...(values['password-env'] !== undefined ? { password: values['password-env'] } : {}), ...(values['passphrase-env'] !== undefined ? { passphrase: values['passphrase-env'] } : {}) };
  if (Object.keys(secretEnv).length > 0 && !ssh && !profile) return { ok: false, message: '--password-env and --passphrase-env go with --ssh or --profile.' };
  const files = reportFileOptions(values);
  if (!files.ok) return files;
  return {
    ok: true,
    command: {
      kind: 'diagnose',
      input,
      target: target.value,
      json: values.json ?? false,
      color,
      options,
      ssh,
      service,
      answersFile,
      secretEnv,
      ...files.value,
      history: !values['no-history'],
      ...(profile ? { profile } : {}),
    },
  };
}

/** The --ssh and --profile values in the order they were typed (parseArgs keeps each list's own order only). */
function serversInOrder(tokens: readonly { kind: string; name?: string; value?: string | undefined }[]): { kind: 'ssh' | 'profile'; value: string }[] {
  return tokens.flatMap((t) => (t.kind === 'option' && (t.name === 'ssh' || t.name === 'profile') && t.value !== undefined ? [{ kind: t.name, value: t.value }] : []));
}

/** What fleet does not take, and why (the rest of diagnose's options mean the same for every server). */
const NOT_FLEET: Readonly<Record<string, string>> = {
  answers: '--answers belongs to "portwise diagnose": answers are for one server\'s questions.',
};

/** `portwise fleet PORT --ssh DEST... --profile NAME...`. */
function parseFleetCommand(rest: readonly string[], values: Values, given: readonly { kind: 'ssh' | 'profile'; value: string }[], service: string | null): ParsedArgs {
  const example = '"portwise fleet 5432 --ssh admin@db1.example.com --ssh admin@db2.example.com"';
  if (rest.length !== 1) return { ok: false, message: rest.length === 0 ? `fleet needs a port, as in ${example}.` : `fleet takes one port (the servers come with --ssh and --profile); got ${shown(rest.join(' '))}.` };
  const port = integerOption('port', rest[0], 0, 1, 65535);
  if (!port.ok) return { ok: false, message: `fleet takes a port from 1 to 65535, not "${shown(rest[0] ?? '')}".` };
  const notFleet = Object.keys(NOT_FLEET).find((name) => values[name] !== undefined);
  if (notFleet) return { ok: false, message: NOT_FLEET[notFleet] as string };
  if (given.length === 0) return { ok: false, message: `fleet needs at least one server: --ssh USER@HOST[:PORT] or --profile NAME (repeatable), as in ${example}.` };
  // The app's contract has the same bound: one run's table, logins and memory stay bounded.
  if (given.length > FLEET_LIMITS.maxServers) return { ok: false, message: `fleet takes at most ${FLEET_LIMITS.maxServers} servers in one run, not ${given.length}: split them into several runs.` };
  const concurrency = integerOption('concurrency', values.concurrency, FLEET_LIMITS.defaultConcurrency, 1, FLEET_LIMITS.maxConcurrency);
  if (!concurrency.ok) return concurrency;
  const timeout = integerOption('timeout', values.timeout, defaultProbeOptions.timeoutMs, PROBE_LIMITS.timeoutMs.min, PROBE_LIMITS.timeoutMs.max);
  if (!timeout.ok) return timeout;
  const probes = integerOption('probes', values.probes, defaultProbeOptions.rounds, PROBE_LIMITS.rounds.min, PROBE_LIMITS.rounds.max);
  if (!probes.ok) return probes;
  const anySsh = given.some((g) => g.kind === 'ssh');
  if (!anySsh && values.jump !== undefined) return { ok: false, message: '--jump applies to the --ssh servers; a profile\'s jump hosts come from the profile ("portwise profiles edit NAME --jump ...").' };
  if (!anySsh && values.identity !== undefined) return { ok: false, message: "--identity applies to the --ssh servers; each profile's hops log in with their own keys." };
  const knownHostsFiles = values['known-hosts'] ?? [];
  const acceptNewHostKey = values['accept-new-host-key'] ?? false;
  const sudo = values.sudo ?? false;
  const servers: FleetServerOption[] = [];
  const seen = new Set<string>();
  for (const g of given) {
    if (g.kind === 'profile') {
      const ref = g.value.trim();
      if (ref === '') return { ok: false, message: '--profile takes the name or id of a saved profile ("portwise profiles list").' };
      if (seen.has(`profile:${ref.toLowerCase()}`)) return { ok: false, message: `--profile ${shown(ref)} is given twice: each server once.` };
      seen.add(`profile:${ref.toLowerCase()}`);
      servers.push({ kind: 'profile', profile: { ref, knownHostsFiles, acceptNewHostKey, sudo } });
      continue;
    }
    const chain = parseSshChain(g.value, values.jump ?? []);
    if (!chain.ok) return { ok: false, message: `--${chain.error.which === 'jump' ? 'jump' : 'ssh'}: ${chain.error.message}` };
    const d = chain.value.destination;
    const key = `ssh:${d.user ?? ''}@${d.host.toLowerCase()}:${d.port}`;
    if (seen.has(key)) return { ok: false, message: `--ssh ${shown(g.value.trim())} is given twice: each server once.` };
    seen.add(key);
    servers.push({ kind: 'ssh', ssh: { ...chain.value, identityFiles: values.identity ?? [], knownHostsFiles, acceptNewHostKey, sudo } });
  }
  const secretEnv = { ...(values['password-env'] !== undefined ? { password: values['password-env'] } : {}), ...(values['passphrase-env'] !== undefined ? { passphrase: values['passphrase-env'] } : {}) };
  const files = reportFileOptions(values);
  if (!files.ok) return files;
  return {
    ok: true,
    command: {
      kind: 'fleet',
      port: port.value,
      servers,
      concurrency: concurrency.value,
      json: values.json ?? false,
      color: values['no-color'] ? false : values.color ? true : null,
      options: ProbeOptions.parse({ ...defaultProbeOptions, timeoutMs: timeout.value, rounds: probes.value }),
      service,
      secretEnv,
      history: !values['no-history'],
      ...(files.value.reports.length > 0 ? { files: files.value } : {}),
    },
  };
}

/** --report (repeatable), --redact and --browser: the same for diagnose, fleet and history export. */
function reportFileOptions(values: Values): Parsed<ReportFileOptions> {
  const reports: { file: string; format: ExportFormat }[] = [];
  for (const file of values.report ?? []) {
    if (file.trim() === '') return { ok: false, message: '--report takes a file name ending in .md, .html, .json or .pdf.' };
    const format = exportFormatOf(file);
    if (!format.ok) return { ok: false, message: `--report: ${format.message}` };
    reports.push({ file, format: format.format });
  }
  let redact: ReadonlySet<RedactClass> = new Set();
  if (values.redact !== undefined) {
    if (reports.length === 0) return { ok: false, message: '--redact applies to the files of --report: give --report FILE too.' };
    const classes = parseRedactClasses(values.redact);
    if (!classes.ok) return { ok: false, message: `--redact: ${classes.error.message}` };
    redact = classes.value;
  }
  let browser: string | null = null;
  if (values.browser !== undefined) {
    if (!reports.some((r) => r.format === 'pdf')) return { ok: false, message: '--browser prints the .pdf files of --report: give --report FILE.pdf too.' };
    if (values.browser.trim() === '') return { ok: false, message: '--browser takes the path of a Chromium, Chrome or Edge.' };
    browser = values.browser;
  }
  return { ok: true, value: { reports, redact, browser } };
}

type Values = Partial<Record<string, string | boolean | string[] | undefined>> & {
  json?: boolean;
  service?: string;
  jump?: string[];
  identity?: string[];
  'known-hosts'?: string[];
  'accept-new-host-key'?: boolean;
  timeout?: string;
  probes?: string;
  concurrency?: string;
  'password-env'?: string;
  'passphrase-env'?: string;
  'no-history'?: boolean;
  sudo?: boolean;
  'no-sudo'?: boolean;
  name?: string;
  host?: string;
  port?: string;
  user?: string;
  auth?: string;
  key?: string;
  group?: string[];
  tag?: string[];
  notes?: string;
  file?: string;
  yes?: boolean;
  update?: boolean;
  report?: string[];
  redact?: string;
  browser?: string;
  target?: string;
  color?: boolean;
  'no-color'?: boolean;
};

/** Options that only describe a profile (add/edit). --jump, --sudo, --service and --known-hosts are shared with diagnose. */
const PROFILE_FIELD_OPTIONS = ['name', 'host', 'port', 'user', 'auth', 'key', 'group', 'tag', 'notes', 'no-sudo'] as const;
const FIELD_OPTIONS = [...PROFILE_FIELD_OPTIONS, 'jump', 'sudo', 'service', 'known-hosts'] as const;
/** Options of `profiles import-ssh-config` only. */
const IMPORT_OPTIONS = ['file', 'yes', 'update'] as const;
/** What a profiles command never takes. */
const DIAGNOSE_OPTIONS = ['timeout', 'probes', 'ssh', 'identity', 'accept-new-host-key', 'password-env', 'passphrase-env', 'answers', 'profile', 'color', 'no-color', 'report', 'redact', 'browser', 'no-history'] as const;

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** Lists: empty values are dropped, so `--jump ''` alone clears the list on edit. */
const list = (values: readonly string[] | undefined): string[] | undefined => values?.filter((v) => v.trim() !== '');

/** Flags -> the fields to save. Only the syntax is checked here; the profile schema checks the values. */
function profileFields(values: Values): Parsed<ProfilePatch> {
  const fields: ProfilePatch = {};
  if (values.name !== undefined) fields.name = values.name;
  if (values.host !== undefined) fields.host = values.host;
  if (values.port !== undefined) {
    const port = integerOption('port', values.port, 22, 1, 65535);
    if (!port.ok) return port;
    fields.port = port.value;
  }
  if (values.user !== undefined) fields.user = values.user;
  if (values.auth !== undefined) {
    const auth = AuthMethod.safeParse(values.auth);
    if (!auth.success) return { ok: false, message: `--auth is one of ${AuthMethod.options.join(', ')}; not "${shown(values.auth)}".` };
    fields.auth = auth.data;
  }
  if (values.key !== undefined) fields.keyPath = values.key.trim() === '' ? null : values.key;
  if (values.jump !== undefined) fields.jumps = list(values.jump);
  if (values['known-hosts'] !== undefined) fields.knownHostsFiles = list(values['known-hosts']);
  if (values.sudo && values['no-sudo']) return { ok: false, message: '--sudo and --no-sudo contradict each other: give one.' };
  if (values.sudo) fields.sudo = 'sudo-n';
  if (values['no-sudo']) fields.sudo = 'never';
  if (values.group !== undefined) fields.groups = list(values.group);
  if (values.tag !== undefined) fields.tags = list(values.tag);
  if (values.service !== undefined) {
    // eslint-disable-next-line no-control-regex -- control characters are what is refused
    if (/[\u0000-\u001f\u007f]/.test(values.service)) return { ok: false, message: `--service takes a unit name without control characters, not "${shown(values.service)}".` };
    fields.serviceHint = values.service.trim() === '' ? null : values.service;
  }
  if (values.notes !== undefined) fields.notes = values.notes;
  return { ok: true, value: fields };
}

function oneRef(verb: string, rest: readonly string[]): Parsed<string> {
  if (rest.length !== 1 || (rest[0] ?? '').trim() === '') return { ok: false, message: `profiles ${verb} takes one profile name or id, as in "portwise profiles ${verb} db1".` };
  return { ok: true, value: rest[0] ?? '' };
}

function refuse(values: Values, names: readonly string[], verb: string): Parsed<never> | null {
  const stray = names.find((name) => values[name] !== undefined);
  return stray ? { ok: false, message: `--${stray} does not go with "portwise profiles ${verb}".` } : null;
}

/** One parser per subcommand: `rest` is what follows the verb. */
const profileVerbs: Record<ProfilesAction['verb'], (rest: readonly string[], values: Values) => Parsed<ProfilesAction>> = {
  list: (rest, values) => {
    const stray = refuse(values, FIELD_OPTIONS.filter((n) => n !== 'group' && n !== 'tag'), 'list');
    if (stray) return stray;
    if (rest.length > 1) return { ok: false, message: `profiles list takes at most one search text; got ${shown(rest.join(' '))}.` };
    return { ok: true, value: { verb: 'list', search: rest[0]?.trim() || null, groups: values.group ?? [], tags: values.tag ?? [] } };
  },
  show: (rest, values) => refuse(values, FIELD_OPTIONS, 'show') ?? mapped(oneRef('show', rest), (ref) => ({ verb: 'show', ref })),
  remove: (rest, values) => refuse(values, FIELD_OPTIONS, 'remove') ?? mapped(oneRef('remove', rest), (ref) => ({ verb: 'remove', ref })),
  add: (rest, values) => {
    if (rest.length > 0) return { ok: false, message: `profiles add takes options only, as in "portwise profiles add --name db1 --host db1.example.com --user admin"; got ${shown(rest.join(' '))}.` };
    if (values['no-sudo']) return { ok: false, message: '--no-sudo belongs to "portwise profiles edit" (a new profile never uses sudo unless --sudo is given).' };
    return mapped(profileFields(values), (fields) => ({ verb: 'add', fields }));
  },
  'import-ssh-config': (rest, values) => {
    const stray = refuse(values, FIELD_OPTIONS, 'import-ssh-config');
    if (stray) return stray;
    if (rest.length > 0) return { ok: false, message: `profiles import-ssh-config takes options only (--file F, --yes, --update); got ${shown(rest.join(' '))}.` };
    if (values.file !== undefined && values.file.trim() === '') return { ok: false, message: '--file takes the path of an ssh_config file.' };
    return { ok: true, value: { verb: 'import-ssh-config', file: values.file ?? null, save: values.yes ?? false, update: values.update ?? false } };
  },
  edit: (rest, values) => {
    const ref = oneRef('edit', rest);
    if (!ref.ok) return ref;
    const fields = profileFields(values);
    if (!fields.ok) return fields;
    if (Object.keys(fields.value).length === 0) return { ok: false, message: 'profiles edit needs at least one change, as in "portwise profiles edit db1 --port 2222".' };
    return { ok: true, value: { verb: 'edit', ref: ref.value, fields: fields.value } };
  },
};

function mapped<T, U>(parsed: Parsed<T>, fn: (value: T) => U): Parsed<U> {
  return parsed.ok ? { ok: true, value: fn(parsed.value) } : parsed;
}

/** `portwise profiles [VERB] ...`; no verb lists them. */
function parseProfilesCommand(rest: readonly string[], values: Values): ParsedArgs {
  const [verb = 'list', ...args] = rest;
  const stray = DIAGNOSE_OPTIONS.find((name) => values[name] !== undefined);
  if (stray) return { ok: false, message: `--${stray} belongs to "portwise diagnose".` };
  if (values.target !== undefined) return { ok: false, message: '--target belongs to "portwise history list".' };
  if (!Object.hasOwn(profileVerbs, verb)) return { ok: false, message: `Unknown profiles command "${shown(verb)}": try list, show, add, edit, remove or import-ssh-config.` };
  const importOnly = verb === 'import-ssh-config' ? undefined : IMPORT_OPTIONS.find((name) => values[name] !== undefined);
  if (importOnly) return { ok: false, message: `--${importOnly} belongs to "portwise profiles import-ssh-config".` };
  const action = profileVerbs[verb as ProfilesAction['verb']](args, values);
  return action.ok ? { ok: true, command: { kind: 'profiles', action: action.value, json: values.json ?? false } } : action;
}

/** What each history command takes; any other option is refused by name. */
const HISTORY_OPTIONS: Readonly<Record<HistoryAction['verb'], readonly string[]>> = {
  list: ['json', 'target', 'color', 'no-color'],
  show: ['json', 'color', 'no-color'],
  export: ['report', 'redact', 'browser'],
  clear: ['yes'],
};

function historyId(verb: string, rest: readonly string[]): Parsed<string> {
  if (rest.length !== 1 || (rest[0] ?? '').trim() === '') return { ok: false, message: `history ${verb} takes one report id, as in "portwise history ${verb} 20261124T145501123Z-1a2b3c4d" ("portwise history list" shows them).` };
  return { ok: true, value: (rest[0] ?? '').trim() };
}

/** `portwise history [VERB] ...`; no verb lists them. */
function parseHistoryCommand(rest: readonly string[], values: Values): ParsedArgs {
  const [verb = 'list', ...args] = rest;
  if (!Object.hasOwn(HISTORY_OPTIONS, verb)) return { ok: false, message: `Unknown history command "${shown(verb)}": try list, show, export or clear.` };
  const v = verb as HistoryAction['verb'];
  const stray = Object.keys(values).find((name) => values[name] !== undefined && !HISTORY_OPTIONS[v].includes(name));
  if (stray) return { ok: false, message: `--${stray} does not go with "portwise history ${v}".` };
  const color = values['no-color'] ? false : values.color ? true : null;
  const history = (action: HistoryAction): ParsedArgs => ({ ok: true, command: { kind: 'history', action } });
  switch (v) {
    case 'list': {
      if (args.length > 0) return { ok: false, message: `history list takes no arguments (--target HOST:PORT filters); got ${shown(args.join(' '))}.` };
      let target: Target | null = null;
      if (values.target !== undefined) {
        const parsed = parseTarget(values.target);
        if (!parsed.ok) return { ok: false, message: `--target "${shown(values.target)}": ${parsed.error.message}` };
        target = parsed.value;
      }
      return history({ verb: 'list', json: values.json ?? false, color, target });
    }
    case 'show': {
      const id = historyId('show', args);
      return id.ok ? history({ verb: 'show', id: id.value, json: values.json ?? false, color }) : id;
    }
    case 'export': {
      const id = historyId('export', args);
      if (!id.ok) return id;
      const files = reportFileOptions(values);
      if (!files.ok) return files;
      if (files.value.reports.length === 0) return { ok: false, message: 'history export needs --report FILE (.md, .html, .json or .pdf; repeatable).' };
      return history({ verb: 'export', id: id.value, ...files.value });
    }
    case 'clear':
      if (args.length > 0) return { ok: false, message: `history clear takes no arguments; got ${shown(args.join(' '))}.` };
      return history({ verb: 'clear', yes: values.yes ?? false });
  }
}
