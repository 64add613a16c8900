import { calls, events, type CallResponse } from '../../../shared/common/ipc';
import { buildDiagnosis } from '../../../shared/common/causes/diagnosis';
import type { CauseId } from '../../../shared/common/causes/catalog';
import type { VerdictCauseId } from '../../../shared/common/causes/definitions';
import type { DiagnosisEvent } from '../../../shared/common/schema/events';
import { defaultProbeOptions, type ProbeAttempt, type ResolvedAddress } from '../../../shared/common/schema/probe';
import { REPORT_SCHEMA, type PathStep, type Report } from '../../../shared/common/schema/report';
import { parseTarget, type Target } from '../../../shared/common/schema/target';
import type { EventSink, HandlerTable } from '../../../shared/node/handlers';

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
} as const;

export const scriptedMessages = {
  thrown: "Error invoking remote method 'portwise:call:startDiagnosis': Error: the engine is unavailable",
  refused: 'Main refused this target on purpose (scripted).',
  failed: 'The diagnosis stopped on an internal error.',
  failedDetail: 'Error: scripted engine failure\n    at scripted (scripted-table.ts:1:1)',
} as const;

export function createScriptedTable(sink: EventSink): HandlerTable & { dispose(): void } {
  let runs = 0;
  const emit = (runId: string, event: DiagnosisEvent) => sink.emit('onDiagnosisEvent', events.onDiagnosisEvent.parse({ runId, event }));

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
      } else {
        emit(runId, { type: 'failed', message: 'No script for this target.', detail: req.target });
      }
      return calls.startDiagnosis.response.parse({ ok: true, runId, target: parsed.value });
    },
    async answerPrompt(request) {
      calls.answerPrompt.request.parse(request);
      return { accepted: false };
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
      calls.cancelDiagnosis.request.parse(request);
      return { cancelled: false };
    },
    async getAppInfo(request) {
      calls.getAppInfo.request.parse(request);
      return { name: 'Portwise', version: '0.0.0-scripted', platform: 'linux' };
    },
    dispose() {},
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
    { node: 'T0', title: 'Resolve the name', reason: 'mixed.example resolved to 2 addresses.', next: 'T1', by: 'evidence', automatic: null, overrideReason: null, alternatives: [] },
    { node: 'T1', title: 'What did the client really get?', reason: 'IPv4 connects, IPv6 is refused.', next: 'inconclusive', by: 'evidence', automatic: null, overrideReason: null, alternatives: [] },
  ];
  const cause: VerdictCauseId = 'inconclusive';
  const candidates: CauseId[] = ['bind-loopback-only', 'service-not-running'];
  const diagnosis = buildDiagnosis(
    { cause, confidence: 'low', reason: 'One family connects and the other is refused, and the server cannot be inspected from here.', missing: ['The listener table of the server (ss -tlnp), over SSH.', 'Whether the service binds to `::` or to 0.0.0.0 only.'], candidates },
    target,
  );
  const report: Report = {
    schema: REPORT_SCHEMA,
    tool: { name: 'portwise', version: '0.0.0-scripted' },
    target: { ...target, input },
    options: { ...defaultProbeOptions, rounds },
    service: null,
    symptom: null,
    workstation: { platform: 'linux', release: 'scripted', runtime: 'node' },
    startedAt: at,
    finishedAt: new Date().toISOString(),
    outcome: 'mixed',
    diagnosis,
    path,
    pending: null,
    answers: {},
    evidence: [],
    sshFailure: null,
  };
  return [
    { type: 'resolved', resolution: { status: 'resolved', name: target.host, addresses, dnsQueried: true, dnsOnlyAddresses: ['192.0.2.99'], hostsFile: '/etc/hosts', ms: 4.2 } },
    ...attempts.map((attempt): DiagnosisEvent => ({ type: 'probe', attempt })),
    ...path.map((step): DiagnosisEvent => ({ type: 'step', step })),
    { type: 'finished', report },
  ];
}
