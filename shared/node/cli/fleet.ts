/**
 * `portwise fleet PORT --ssh A --ssh B --profile C ...`: the same diagnosis on every server, a few at
 * a time (shared/node/fleet.ts), then one table and one verdict line. Progress goes to stderr as each
 * server ends, the table (or the --json document) to stdout, then the --report files (the whole
 * fleet in each, report-files.ts). Nothing is asked on the terminal.
 */
import { ansiStyle, plainStyle } from '../../common/report/text';
import { fleetProgressLine, renderFleetText } from '../../common/report/fleet';
import { FLEET_SCHEMA, type FleetDocument, type FleetServerResult } from '../../common/schema/fleet';
import { formatSshDestination } from '../../common/schema/ssh-destination';
import { runFleet, type FleetServer } from '../fleet';
import { VERSION } from '../version';
import type { SshAccess } from '../remote/access';
import type { FleetCommand } from './args';
import { saveToHistory } from './history';
import { profileRemote } from './profiles';
import { checkSecretEnv, withEnvSecrets } from './secret-sources';
import { cliPromptPort } from './tty-prompt';

/**
 * main.ts maps these to exit codes: 0 every server was diagnosed (whatever its cause); 4 a login
 * failed on at least one server; 1 a run stopped on an internal error (or the profiles file could
 * not be read, or a --report file could not be written); 2 a mistake in the command (an unknown
 * profile, a secret variable not set); 130 interrupted. The worst one wins: interrupted, failed, login-failed.
 */
export type FleetOutcome = 'ok' | 'login-failed' | 'failed' | 'usage' | 'interrupted';

export interface FleetIo {
  env: NodeJS.ProcessEnv;
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  onInterrupt(handler: () => void): void;
  cwd?: string;
}

/** The servers as the engine takes them: each --ssh with the shared options, each profile with its own chain. */
async function fleetServers(command: FleetCommand, io: FleetIo): Promise<{ ok: true; servers: FleetServer[] } | { ok: false; outcome: FleetOutcome }> {
  const servers: FleetServer[] = [];
  for (const given of command.servers) {
    if (given.kind === 'ssh') {
      const access: SshAccess = { ...given.ssh, hostKeyPolicy: given.ssh.acceptNewHostKey ? 'accept-new' : 'refuse' };
      servers.push({ label: formatSshDestination(given.ssh.destination), profile: null, access, service: command.service });
      continue;
    }
    const resolved = await profileRemote(given.profile, io);
    // An unknown profile is the command's mistake (2); a profiles file that cannot be read is not (1).
    if (!resolved.ok) return { ok: false, outcome: resolved.error === 'usage' ? 'usage' : 'failed' };
    const { access, serviceHint, profile } = resolved.value;
    // --service names what to diagnose this time; a profile's hint is the usual one.
    servers.push({ label: profile.name, profile: profile.name, access, service: command.service ?? serviceHint });
  }
  return { ok: true, servers };
}

export async function runFleetCommand(command: FleetCommand, io: FleetIo): Promise<FleetOutcome> {
  const secrets = checkSecretEnv(io.env, command.secretEnv);
  if (!secrets.ok) {
    io.stderr.write(`portwise: ${secrets.message}\n`);
    return 'usage';
  }
  const built = await fleetServers(command, io);
  if (!built.ok) return built.outcome;
  const { servers } = built;

  const noColor = io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '';
  const colorOut = command.color ?? (!noColor && Boolean(io.stdout.isTTY));
  const colorErr = command.color ?? (!noColor && Boolean(io.stderr.isTTY));
  const errStyle = colorErr ? ansiStyle : plainStyle;
  const progress = (line: string) => io.stderr.write(`${line}\n`);

  const at = Math.min(command.concurrency, servers.length);
  progress(
    errStyle.dim(
      `Diagnosing port ${command.port} on ${servers.length} server${servers.length === 1 ? '' : 's'}, ${at} at a time (${command.options.rounds} round(s), ${command.options.timeoutMs} ms deadline)`,
    ),
  );
  const controller = new AbortController();
  io.onInterrupt(() => controller.abort());

  // Saved one after the other (the history folder has one lock), each as its server ends.
  let saving: Promise<void> = Promise.resolve();
  const onServerDone = (result: FleetServerResult, _index: number, done: number) => {
    const line = fleetProgressLine(result, done, servers.length);
    const report = result.report;
    saving = saving.then(async () => {
      const id = command.history && report ? await saveToHistory(report, io, errStyle, false) : null;
      progress(id ? `${line}  ${errStyle.dim(`(history ${id})`)}` : line);
    });
  };

  const fleet = await runFleet({
    port: command.port,
    servers,
    options: command.options,
    concurrency: command.concurrency,
    env: io.env,
    // Nothing is asked mid-fleet: no terminal, so every question is declined; secrets only from the named variables.
    promptFor: () => withEnvSecrets(cliPromptPort(null), io.env, command.secretEnv),
    signal: controller.signal,
    onServerDone,
  });
  await saving;

  const document: FleetDocument = { schema: FLEET_SCHEMA, port: fleet.port, servers: fleet.servers, rows: fleet.rows, verdict: fleet.verdict };
  if (command.json) {
    io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  } else {
    io.stdout.write(renderFleetText(fleet.rows, fleet.verdict, colorOut ? ansiStyle : plainStyle));
  }
  // As diagnose's: after stdout, and an interrupted fleet writes none (each is named as not written).
  let filesFailed = false;
  if (command.files) {
    const { pdfPrinterFor, writeFleetReportFiles } = await import('./report-files');
    const { reports, redact, browser } = command.files;
    const cwd = io.cwd ?? process.cwd();
    const printPdf = controller.signal.aborted ? null : pdfPrinterFor(reports, browser, io.env, cwd);
    const context = { writtenAt: new Date().toISOString(), version: VERSION };
    const files = await writeFleetReportFiles(document, reports, redact, cwd, { printPdf, signal: controller.signal, context });
    for (const line of files.lines) progress(line);
    filesFailed = files.failed;
  }
  if (fleet.cancelled || controller.signal.aborted) {
    progress('Cancelled.');
    return 'interrupted';
  }
  if (fleet.servers.some((s) => s.failure?.kind === 'failed')) {
    for (const s of fleet.servers) if (s.failure?.kind === 'failed') io.stderr.write(`portwise: ${s.server}: ${s.failure.message}\n${s.failure.detail}\n`);
    return 'failed';
  }
  // A file not written is an internal error, as for diagnose (its line above says which and why).
  if (filesFailed) return 'failed';
  if (fleet.verdict.loginFailed.length > 0) {
    io.stderr.write(`portwise: SSH failed on ${fleet.verdict.loginFailed.length} of ${servers.length} server${servers.length === 1 ? '' : 's'}: ${fleet.verdict.loginFailed.join(', ')}\n`);
    return 'login-failed';
  }
  return 'ok';
}
