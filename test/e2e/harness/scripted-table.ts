import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calls, events, type CallResponse } from '../../../shared/common/ipc';
import { buildDiagnosis } from '../../../shared/common/causes/diagnosis';
import type { CauseId } from '../../../shared/common/causes/catalog';
import type { VerdictCauseId } from '../../../shared/common/causes/definitions';
import type { DiagnosisEvent } from '../../../shared/common/schema/events';
import type { PromptAnswer, PromptRequest } from '../../../shared/common/schema/prompts';
import { defaultProbeOptions, type ProbeAttempt, type ResolvedAddress } from '../../../shared/common/schema/probe';
import { REPORT_SCHEMA, type PathStep, type Report } from '../../../shared/common/schema/report';
import { parseTarget, type Target } from '../../../shared/common/schema/target';
import { createHandlerTable, type EventSink, type HandlerDeps, type HandlerTable } from '../../../shared/node/handlers';
import { SHAREABLE } from '../../integration/shareable-report';

/**
 * A handler table with a scripted engine, for the UI states a real run cannot produce on demand:
 * a call that throws, main refusing a target, an engine failure, a multi-address name with mixed
 * results and an inconclusive verdict, and events that arrive before the start call's answer.
 * Requests are parsed with the contract and every event is checked against it before it leaves,
 * exactly as the real table does, so the page gets nothing the real main process could not send.
 */

export const SCRIPTED = {
  throws: 'throws.example:80',
  refused: 'refused.example:80',
  fails: 'fails.example:80',
  mixed: 'mixed.example:5432',
  /** With SSH access: the jump host's key is unknown (asked), then its password; the target's key has changed. */
  ssh: 'ssh.example:5432',
  /** A verdict whose report holds all that redaction hides (see `shareable`): for the export dialog. */
  shareable: 'db.example.com:5432',
} as const;

/** What the shareable run's report says that an export can hide (one set for every test: test/integration/shareable-report.ts). */
export const shareable = SHAREABLE;

/** The fingerprints of the scripted SSH story. */
export const scriptedKeys = {
  jump: 'SHA256:jUmPjUmPjUmPjUmPjUmPjUmPjUmPjUmPjUmPjUmPj0A',
  presented: 'SHA256:NeWkEyNeWkEyNeWkEyNeWkEyNeWkEyNeWkEyNeWkEy0',
  pinned: 'SHA256:oLdKeYoLdKeYoLdKeYoLdKeYoLdKeYoLdKeYoLdKeY0',
} as const;

const jumpHop = { index: 1, total: 2, user: 'me', host: 'bastion.example', port: 2222, role: 'jump' as const };

export const scriptedMessages = {
  thrown: "Error invoking remote method 'portwise:call:startDiagnosis': Error: the engine is unavailable",
  refused: 'Main refused this target on purpose (scripted).',
  failed: 'The diagnosis stopped on an internal error.',
  failedDetail: 'Error: scripted engine failure\n    at scripted (scripted-table.ts:1:1)',
  // The engine's wording for a changed key (shared/node/ssh/host-verifier.ts, hostKeyError).
  changedKey:
    `target host 2 of 2, alice@ssh.example:22: the host key has CHANGED. The server presented ssh-ed25519 ${scriptedKeys.presented}, ` +
    `but the known key is ${scriptedKeys.pinned} (/home/alice/.ssh/known_hosts line 12). Someone may be intercepting the connection, ` +
    'or the host was reinstalled. Portwise refuses to connect; check the new fingerprint with the host owner, then remove the old entry to trust it.',
} as const;

export function createScriptedTable(
  sink: EventSink,
  knownHostsHome: string = mkdtempSync(join(tmpdir(), 'pw-scripted-home-')),
  /** The export's PDF printer (none: a PDF export is refused, as without a browser). */
  options: Pick<HandlerDeps, 'printPdf'> = {},
): HandlerTable & { dispose(): void } {
  let runs = 0;
  // The known-hosts manager, the profile store, the history and the exports are the real ones, on a private home: only the diagnosis is scripted.
  const real = createHandlerTable({ sink, appInfo: { name: 'Portwise', version: '0.0.0-scripted', platform: 'linux' }, env: { HOME: knownHostsHome, PORTWISE_HOME: knownHostsHome }, ...options });
  const emit = (runId: string, event: DiagnosisEvent) => sink.emit('onDiagnosisEvent', events.onDiagnosisEvent.parse({ runId, event }));
  /** SSH runs waiting on a person: the question open, and what the run does with each answer. */
  const waiting = new Map<string, { promptId: string; settle(answer: PromptAnswer): void }>();

  function ask(runId: string, prompt: PromptRequest, settle: (answer: PromptAnswer) => void): void {
    waiting.set(runId, {
      promptId: prompt.id,
      settle: (answer) => {
        waiting.delete(runId);
        emit(runId, { type: 'prompt-closed', id: prompt.id });
        settle(answer);
      },
    });
    emit(runId, { type: 'prompt', prompt });
  }

  function sshStory(runId: string, input: string, target: Target, rounds: number, at: string): void {
    for (const event of sshProbes(target, rounds)) emit(runId, event);
    const finish = (failure: NonNullable<Report['sshFailure']>) => {
      for (const event of sshFinished(input, target, rounds, at, failure)) emit(runId, event);
    };
    const cancelled = () => finish({ kind: 'cancelled', message: 'jump host 1 of 2, me@bastion.example:2222: the login was cancelled.', hop: 1 });
    ask(runId, { kind: 'host-key', id: `${runId}-p1`, hop: jumpHop, keyType: 'ssh-ed25519', fingerprint: scriptedKeys.jump }, (answer) => {
      if (answer.kind !== 'host-key' || !answer.accept) return cancelled();
      ask(runId, { kind: 'password', id: `${runId}-p2`, hop: jumpHop, attempt: 1 }, (secret) => {
        if (secret.kind !== 'secret' || secret.value === null) return cancelled();
        // As the engine reports it: the message for people, and the same facts as fields (the page reads these).
        const serverHop = { index: 2, total: 2, user: 'alice', host: 'ssh.example', port: 22, role: 'target' as const };
        finish({
          kind: 'host-key-changed',
          message: scriptedMessages.changedKey,
          hop: 2,
          failedHop: serverHop,
          chain: [
            { hop: jumpHop, status: 'ok' },
            { hop: serverHop, status: 'failed' },
          ],
          presented: { keyType: 'ssh-ed25519', fingerprint: scriptedKeys.presented },
          known: [{ keyType: 'ssh-ed25519', fingerprint: scriptedKeys.pinned, file: '/home/alice/.ssh/known_hosts', line: 12 }],
          methodsTried: [],
          serverMethods: null,
          keyPath: null,
        });
      });
    });
  }

  return {
    async startDiagnosis(request): Promise<CallResponse<'startDiagnosis'>> {
      const req = calls.startDiagnosis.request.parse(request);
      if (req.target === SCRIPTED.throws) throw new Error(scriptedMessages.thrown);
      if (req.target === SCRIPTED.refused) return { ok: false, error: { code: 'bad-hostname', message: scriptedMessages.refused } };
      const parsed = parseTarget(req.target);
      if (!parsed.ok) return { ok: false, error: parsed.error };
      const runId = `scripted-${++runs}`;
      const options = { ...defaultProbeOptions, rounds: req.rounds ?? defaultProbeOptions.rounds, timeoutMs: req.timeoutMs ?? defaultProbeOptions.timeoutMs };
      const at = new Date().toISOString();
      // Everything is emitted before this call answers: the page must keep early events for its run.
      emit(runId, { type: 'started', target: parsed.value, options, at });
      if (req.target === SCRIPTED.fails) {
        emit(runId, { type: 'failed', message: scriptedMessages.failed, detail: scriptedMessages.failedDetail });
      } else if (req.target === SCRIPTED.mixed) {
        for (const event of mixedRun(req.target, parsed.value, options.rounds, at)) emit(runId, event);
      } else if (req.target === SCRIPTED.shareable) {
        for (const event of shareableRun(req.target, parsed.value, options.rounds, at)) emit(runId, event);
      } else if (req.target === SCRIPTED.ssh && req.access?.kind === 'ssh') {
        // The questions come after this call answers, as they do from a real login.
        setTimeout(() => sshStory(runId, req.target, parsed.value, options.rounds, at), 0);
      } else {
        emit(runId, { type: 'failed', message: 'No script for this target.', detail: req.target });
      }
      return calls.startDiagnosis.response.parse({ ok: true, runId, target: parsed.value });
    },
    async answerPrompt(request) {
      const { runId, promptId, answer } = calls.answerPrompt.request.parse(request);
      const open = waiting.get(runId);
      if (!open || open.promptId !== promptId) return { accepted: false };
      setTimeout(() => open.settle(answer), 0);
      return { accepted: true };
    },
    async verifyFix(request) {
      calls.verifyFix.request.parse(request);
      return { ok: false, error: { code: 'scripted', message: 'The scripted engine verifies nothing.' } };
    },
    async answerDiagnosis(request) {
      calls.answerDiagnosis.request.parse(request);
      return { ok: false, errors: ['The scripted engine takes no answers.'] };
    },
    async cancelDiagnosis(request) {
      const { runId } = calls.cancelDiagnosis.request.parse(request);
      if (!waiting.delete(runId)) return { cancelled: false };
      setTimeout(() => emit(runId, { type: 'cancelled' }), 0);
      return { cancelled: true };
    },
    async getAppInfo(request) {
      calls.getAppInfo.request.parse(request);
      return { name: 'Portwise', version: '0.0.0-scripted', platform: 'linux' };
    },
    listKnownHosts: real.listKnownHosts,
    pinHostKey: real.pinHostKey,
    repinHostKey: real.repinHostKey,
    removeHostKey: real.removeHostKey,
    listProfiles: real.listProfiles,
    saveProfile: real.saveProfile,
    removeProfile: real.removeProfile,
    testProfile: real.testProfile,
    importSshConfig: real.importSshConfig,
    forgetSecret: real.forgetSecret,
    getSettings: real.getSettings,
    saveSettings: real.saveSettings,
    listHistory: real.listHistory,
    getHistoryReport: real.getHistoryReport,
    clearHistory: real.clearHistory,
    exportReport: real.exportReport,
    startFleet: real.startFleet,
    cancelFleet: real.cancelFleet,
    dispose() {
      real.dispose();
    },
  };
}

/** A name with an IPv4 address from DNS that connects and an IPv6 one from the hosts file that refuses. */
function mixedRun(input: string, target: Target, rounds: number, at: string): DiagnosisEvent[] {
  const addresses: ResolvedAddress[] = [
    { address: '192.0.2.10', family: 4, sources: ['dns'], loopback: false, localInterface: null },
    { address: '2001:db8::10', family: 6, sources: ['hosts-file', 'dns'], loopback: false, localInterface: null },
  ];
  const attempts: ProbeAttempt[] = [];
  for (let round = 1; round <= rounds; round++) {
    attempts.push(
      { address: '192.0.2.10', family: 4, port: target.port, round, startedAt: Date.now(), ms: 11.8, status: 'connected', errno: null, detail: 'connected', afterConnect: false, banner: null },
      { address: '2001:db8::10', family: 6, port: target.port, round, startedAt: Date.now(), ms: 0.6, status: 'refused', errno: 'ECONNREFUSED', detail: 'connect ECONNREFUSED', afterConnect: false, banner: null },
    );
  }
  const path: PathStep[] = [
    scriptedStep('T0', 'mixed.example resolved to 2 addresses.', 'T1'),
    scriptedStep('T1', 'IPv4 connects, IPv6 is refused.', 'inconclusive'),
  ];
  const cause: VerdictCauseId = 'inconclusive';
  const candidates: CauseId[] = ['bind-loopback-only', 'service-not-running'];
  const diagnosis = buildDiagnosis(
    { cause, confidence: 'low', reason: 'One family connects and the other is refused, and the server cannot be inspected from here.', missing: ['The listener table of the server (ss -tlnp), over SSH.', 'Whether the service binds to `::` or to 0.0.0.0 only.'], candidates },
    target,
  );
  const report = scriptedReport({ input, target, rounds, at, outcome: 'mixed', diagnosis, path, sshFailure: null });
  return [
    { type: 'resolved', resolution: { status: 'resolved', name: target.host, addresses, dnsQueried: true, dnsOnlyAddresses: ['192.0.2.99'], hostsFile: '/etc/hosts', ms: 4.2 } },
    ...attempts.map((attempt): DiagnosisEvent => ({ type: 'probe', attempt })),
    ...path.map((step): DiagnosisEvent => ({ type: 'step', step })),
    { type: 'finished', report },
  ];
}

/**
 * A name with one address, refused on every round, and a command's output read over SSH that
 * holds a login user, a home path and a password: everything an export can hide, in one report.
 */
function shareableRun(input: string, target: Target, rounds: number, at: string): DiagnosisEvent[] {
  const { host, address, user, path: file, secret } = shareable;
  const resolved: ResolvedAddress = { address, family: 4, sources: ['dns'], loopback: false, localInterface: null };
  const attempts: ProbeAttempt[] = Array.from({ length: rounds }, (_, i) => ({
    address,
    family: 4,
    port: target.port,
    round: i + 1,
    startedAt: Date.now(),
    ms: 0.6,
    status: 'refused',
    errno: 'ECONNREFUSED',
    detail: 'connect ECONNREFUSED',
    afterConnect: false,
    banner: null,
  }));
  const path: PathStep[] = [
    scriptedStep('T0', `${host} resolved to 1 address.`, 'T1'),
    scriptedStep('T1', 'Every probe was refused, and nothing listens on the port on the server.', 'service-not-running'),
  ];
  const diagnosis = buildDiagnosis({ cause: 'service-not-running', confidence: 'high', reason: `Nothing listens on port ${target.port} of ${host}.`, missing: [], candidates: [] }, target);
  const evidence: Report['evidence'] = [
    {
      id: 'remote-pgpass',
      where: `${user}@${host}:22`,
      command: `ssh ${user}@${host} -- cat ${file}`,
      startedAt: at,
      ms: 12,
      status: 'ok',
      summary: `read ${file} on ${host}`,
      raw: `# ${file}\nPGHOST=${address}\npassword=${secret}\n`,
      origin: 'collected',
      facts: { check: 'remote-command', id: 'pgpass', exitCode: 0, stderr: '', sudo: false, truncated: false },
    },
  ];
  const report = { ...scriptedReport({ input, target, rounds, at, outcome: 'refused', diagnosis, path, sshFailure: null }), evidence };
  return [
    { type: 'resolved', resolution: { status: 'resolved', name: host, addresses: [resolved], dnsQueried: true, dnsOnlyAddresses: [], hostsFile: '/etc/hosts', ms: 1.4 } },
    ...attempts.map((attempt): DiagnosisEvent => ({ type: 'probe', attempt })),
    ...evidence.map((e): DiagnosisEvent => ({ type: 'evidence', evidence: e })),
    ...path.map((step): DiagnosisEvent => ({ type: 'step', step })),
    { type: 'finished', report },
  ];
}

/** One refused IPv4 address, every round. */
function sshProbes(target: Target, rounds: number): DiagnosisEvent[] {
  const address: ResolvedAddress = { address: '192.0.2.20', family: 4, sources: ['dns'], loopback: false, localInterface: null };
  return [
    { type: 'resolved', resolution: { status: 'resolved', name: target.host, addresses: [address], dnsQueried: true, dnsOnlyAddresses: [], hostsFile: '/etc/hosts', ms: 2.1 } },
    ...Array.from({ length: rounds }, (_, i): DiagnosisEvent => ({
      type: 'probe',
      attempt: { address: address.address, family: 4, port: target.port, round: i + 1, startedAt: Date.now(), ms: 0.7, status: 'refused', errno: 'ECONNREFUSED', detail: 'connect ECONNREFUSED', afterConnect: false, banner: null },
    })),
  ];
}

/** The end of the SSH story: no server evidence (the login failed), so the verdict is inconclusive. */
function sshFinished(input: string, target: Target, rounds: number, at: string, failure: NonNullable<Report['sshFailure']>): DiagnosisEvent[] {
  const path: PathStep[] = [
    scriptedStep('T0', 'ssh.example resolved to 1 address.', 'T1'),
    scriptedStep('T1', 'Every probe was refused, and the server could not be inspected.', 'inconclusive'),
  ];
  const diagnosis = buildDiagnosis(
    { cause: 'inconclusive', confidence: 'low', reason: 'The SSH login failed, so the server side is unknown.', missing: ['The listener table of the server (ss -tlnp), over SSH.'], candidates: ['service-not-running', 'bind-loopback-only'] },
    target,
  );
  const report = scriptedReport({ input, target, rounds, at, outcome: 'refused', diagnosis, path, sshFailure: failure });
  return [...path.map((step): DiagnosisEvent => ({ type: 'step', step })), { type: 'finished', report }];
}

const stepTitles = { T0: ['Resolve the name', 'Every address is probed on its own.', 'DNS'], T1: ['What did the client really get?', 'A refusal differs from a timeout.', 'TCP connects'] } as const;

/** A step as the engine reports it, decided by the evidence. */
function scriptedStep(node: keyof typeof stepTitles, reason: string, next: string): PathStep {
  const [title, why, check] = stepTitles[node];
  return { node, title, why, checks: [check], reason, next, by: 'evidence', automatic: null, overrideReason: null, alternatives: [] };
}

/** The scripted runs' report: everything but what the story decides is the same in each. */
function scriptedReport(parts: Pick<Report, 'outcome' | 'diagnosis' | 'path' | 'sshFailure'> & { input: string; target: Target; rounds: number; at: string }): Report {
  const { input, target, rounds, at, ...story } = parts;
  return {
    schema: REPORT_SCHEMA,
    tool: { name: 'portwise', version: '0.0.0-scripted' },
    target: { ...target, input },
    options: { ...defaultProbeOptions, rounds },
    service: null,
    symptom: null,
    workstation: { platform: 'linux', release: 'scripted', runtime: 'node' },
    startedAt: at,
    finishedAt: new Date().toISOString(),
    pending: null,
    answers: {},
    evidence: [],
    ...story,
  };
}
