import { randomUUID } from 'node:crypto';
import { renderReportText, ansiStyle, plainStyle } from '../../common/report/text';
import type { DiagnosisEvent } from '../../common/schema/events';
import { formatAddressPort } from '../../common/schema/target';
import { startDiagnosis } from '../session';
import { VERSION } from '../version';
import { parseCommandLine, usage } from './args';
import { readAnswersFile } from './answers-file';
import { isCauseId } from '../../common/causes/catalog';
import { causeCatalogJson, formatCause, formatCauseList } from '../../common/report/causes-text';
import type { Answers } from '../../common/schema/answers';
import { shown } from '../../common/schema/target';
import { cliPromptPort, type TtyIo } from './tty-prompt';
import { checkSecretEnv, withEnvSecrets } from './secret-sources';
import type { ProfilesOutcome } from './profiles';
import type { SshAccess } from '../remote/access';
import type { HistoryOutcome } from './history';
import type { FleetOutcome } from './fleet';

export const EXIT = { found: 0, internal: 1, usage: 2, inconclusive: 3, ssh: 4, interrupted: 130 } as const;

const profilesExit: Record<ProfilesOutcome, number> = { ok: 0, usage: EXIT.usage, failed: EXIT.internal };
const historyExit: Record<HistoryOutcome, number> = { ok: 0, usage: EXIT.usage, failed: EXIT.internal, interrupted: EXIT.interrupted };
const fleetExit: Record<FleetOutcome, number> = { ok: 0, 'login-failed': EXIT.ssh, failed: EXIT.internal, usage: EXIT.usage, interrupted: EXIT.interrupted };

export interface CliIo {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  onInterrupt(handler: () => void): void;
  /** The terminal for passphrase and password prompts; absent in scripts (then nothing is asked). */
  tty?: TtyIo | null;
  /** Where relative --report file names start; the process's own by default. */
  cwd?: string;
}

/** The `portwise` command. Returns the exit code; all output goes through `io`. */
export async function runCli(io: CliIo): Promise<number> {
  const parsed = parseCommandLine(io.argv);
  if (!parsed.ok) {
    io.stderr.write(`portwise: ${parsed.message}\n`);
    return EXIT.usage;
  }
  const command = parsed.command;
  if (command.kind === 'help') {
    io.stdout.write(usage);
    return 0;
  }
  if (command.kind === 'version') {
    io.stdout.write(`portwise ${VERSION}\n`);
    return 0;
  }
  if (command.kind === 'causes') {
    io.stdout.write(command.json ? `${JSON.stringify(causeCatalogJson(), null, 2)}\n` : formatCauseList());
    return 0;
  }
  if (command.kind === 'explain') {
    if (!isCauseId(command.cause)) {
      io.stderr.write(`portwise: "${shown(command.cause)}" is not a cause id; "portwise causes" lists them.\n`);
      return EXIT.usage;
    }
    const entry = causeCatalogJson().find((c) => c.id === command.cause);
    io.stdout.write(command.json ? `${JSON.stringify(entry, null, 2)}\n` : formatCause(command.cause, command.service));
    return 0;
  }
  // Each command loads only its own code: a diagnosis without SSH never loads ssh2, the profile
  // store or the report renderers (process start is most of a local verdict's time).
  if (command.kind === 'profiles') return profilesExit[await (await import('./profiles')).runProfiles(command.action, command.json, io)];
  if (command.kind === 'history') return historyExit[await (await import('./history')).runHistory(command.action, io)];
  if (command.kind === 'fleet') return fleetExit[await (await import('./fleet')).runFleetCommand(command, io)];
  let access: SshAccess | null = command.ssh ? { ...command.ssh, hostKeyPolicy: command.ssh.acceptNewHostKey ? 'accept-new' : 'refuse' } : null;
  let service = command.service;
  if (command.profile) {
    const { profileRemote } = await import('./profiles');
    const resolved = await profileRemote(command.profile, io);
    if (!resolved.ok) return profilesExit[resolved.error];
    access = resolved.value.access;
    // --service names what to diagnose this time; the profile's hint is the usual one.
    service = command.service ?? resolved.value.serviceHint;
  }
  const secrets = checkSecretEnv(io.env, command.secretEnv);
  if (!secrets.ok) {
    io.stderr.write(`portwise: ${secrets.message}\n`);
    return EXIT.usage;
  }
  let answers: Answers = {};
  if (command.answersFile !== null) {
    const read = await readAnswersFile(command.answersFile, { port: command.target.port, service });
    if (!read.ok) {
      io.stderr.write(`portwise: ${read.error}\n`);
      return EXIT.usage;
    }
    answers = read.value;
  }
  const noColor = io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '';
  const colorOut = command.color ?? (!noColor && Boolean(io.stdout.isTTY));
  const colorErr = command.color ?? (!noColor && Boolean(io.stderr.isTTY));
  const errStyle = colorErr ? ansiStyle : plainStyle;
  const progress = (line: string) => io.stderr.write(`${line}\n`);

  const run = startDiagnosis({
    runId: randomUUID(),
    input: command.input,
    target: command.target,
    options: command.options,
    env: io.env,
    onEvent: (event) => reportProgress(event, progress, errStyle),
    remote: access ? { access, service, prompt: withEnvSecrets(cliPromptPort(io.tty ?? null), io.env, command.secretEnv) } : null,
    serviceHint: service,
    answers,
  });
  // One handler (the CLI's SIGINT fires once): it stops the run, or the PDF printing after it.
  const exports = new AbortController();
  io.onInterrupt(() => {
    run.cancel();
    exports.abort();
  });
  const end = await run.done;
  if (end.status === 'cancelled') {
    progress('Cancelled.');
    return EXIT.interrupted;
  }
  if (end.status === 'failed') {
    io.stderr.write(`portwise: ${end.message}\n${end.detail}\n`);
    return EXIT.internal;
  }
  io.stdout.write(command.json ? `${JSON.stringify(end.report, null, 2)}\n` : renderReportText(end.report, colorOut ? ansiStyle : plainStyle));
  if (command.history) await (await import('./history')).saveToHistory(end.report, io, errStyle);
  if (command.reports.length > 0) {
    const { pdfPrinterFor, writeReportFiles } = await import('./report-files');
    const cwd = io.cwd ?? process.cwd();
    const printPdf = pdfPrinterFor(command.reports, command.browser, io.env, cwd);
    const files = await writeReportFiles(end.report, command.reports, command.redact, cwd, { printPdf, signal: exports.signal });
    for (const line of files.lines) progress(line);
    if (exports.signal.aborted) return EXIT.interrupted;
    if (files.failed) return EXIT.internal;
  }
  if (end.report.sshFailure) {
    io.stderr.write(`portwise: SSH failed: ${end.report.sshFailure.message}\n`);
    return EXIT.ssh;
  }
  return end.report.diagnosis.cause === 'inconclusive' ? EXIT.inconclusive : EXIT.found;
}

function reportProgress(event: DiagnosisEvent, line: (s: string) => void, style: typeof plainStyle): void {
  switch (event.type) {
    case 'started':
      line(style.dim(`Diagnosing ${event.target.hostKind === 'ipv6' ? `[${event.target.host}]` : event.target.host}:${event.target.port} (${event.options.rounds} round(s), ${event.options.timeoutMs} ms deadline)`));
      break;
    case 'resolved':
      if (event.resolution.status === 'resolved') line(style.dim(`Resolved to ${event.resolution.addresses.map((a) => a.address).join(', ')}`));
      else line(style.dim(`Resolution failed: ${event.resolution.errno}`));
      break;
    case 'evidence':
      if (event.evidence.where !== 'workstation' || event.evidence.id === 'ssh-login') line(style.dim(`  ${event.evidence.where === 'workstation' ? '' : `[${event.evidence.where}] `}${event.evidence.summary}`));
      break;
    case 'activity':
      // The login is the slow, interactive part: say which hop is being reached before it answers.
      if (event.activity.stage === 'login' && event.activity.id.startsWith('hop-') && event.activity.state === 'running') line(style.dim(`${event.activity.label}…`));
      break;
    case 'probe': {
      const a = event.attempt;
      const status = a.status === 'connected' ? style.good(a.status) : style.bad(a.status);
      line(`  round ${a.round}  ${formatAddressPort(a.address, a.port).padEnd(24)} ${status}${a.errno ? ` (${a.errno})` : ''} ${a.ms.toFixed(2)} ms`);
      break;
    }
    default:
      break;
  }
}
