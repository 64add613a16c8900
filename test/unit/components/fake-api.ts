import type { CallRequest, CallResponse, EventPayload, PortwiseApi } from '../../../shared/common/ipc';
import type { CallName } from '../../../shared/common/ipc-names';
import type { DiagnosisEvent } from '../../../shared/common/schema/events';
import type { Evidence, Report } from '../../../shared/common/schema/report';
import type { ConnectStatus, ProbeAttempt } from '../../../shared/common/schema/probe';
import { reviseReport } from '../../../shared/common/tree/revise';
import { createWizard, type Wizard } from '../../../renderer/state/wizard';
import { addr, attempt, facts, reportFrom, resolved } from '../tree/factories';

/**
 * The Electron boundary for renderer tests: a fake `window.portwise` (the only thing these tests
 * replace), and real reports built by the real tree. No DOM needed, so store tests run in Node.
 */

type Handlers = { [N in CallName]: (request: CallRequest<N>) => Promise<CallResponse<N>> };

/**
 * A `PortwiseApi` whose calls are recorded and answered by replaceable handlers, and whose event
 * stream the test drives with `emit`. The defaults answer like main would for a healthy engine;
 * `answerDiagnosis` walks the real tree again (`reviseReport`, pure).
 */
export class FakeApi {
  readonly calls: { name: CallName; request: unknown }[] = [];
  private listeners = new Set<(payload: EventPayload<'onDiagnosisEvent'>) => void>();
  private fleetListeners = new Set<(payload: EventPayload<'onFleetEvent'>) => void>();
  private runs = 0;

  handlers: Handlers = {
    startDiagnosis: async () => ({ ok: true, runId: `run-${++this.runs}`, target: { host: 'db.example', port: 5432, hostKind: 'name' } }),
    cancelDiagnosis: async () => ({ cancelled: true }),
    answerPrompt: async () => ({ accepted: true }),
    answerDiagnosis: async ({ report, answers }) => {
      const revised = reviseReport(report as Report, answers, new Date('2025-01-01T00:00:02.000Z'));
      return revised.ok ? { ok: true, report: revised.value } : { ok: false, errors: revised.error };
    },
    verifyFix: async () => ({ ok: false, error: { code: 'unscripted', message: 'No verify result was scripted.' } }),
    getAppInfo: async () => ({ name: 'Portwise', version: '0.0.0-test', platform: 'linux' }),
    listKnownHosts: async () => ({ entries: [], skipped: [], missing: [] }),
    pinHostKey: async () => ({ ok: false, message: 'No pin result was scripted.' }),
    repinHostKey: async () => ({ ok: false, message: 'No re-pin result was scripted.' }),
    removeHostKey: async () => ({ ok: false, message: 'No remove result was scripted.' }),
    listProfiles: async () => ({ ok: true, profiles: [], notices: [] }),
    importSshConfig: async () => ({ ok: false, message: 'No import was scripted.' }),
    testProfile: async () => ({ ok: false, error: { code: 'not-found', message: 'No test result was scripted.', problems: [] } }),
    saveProfile: async () => ({ ok: false, error: { code: 'read-only', message: 'No save result was scripted.', problems: [] } }),
    removeProfile: async () => ({ ok: false, error: { code: 'not-found', message: 'No remove result was scripted.', problems: [] } }),
    forgetSecret: async () => ({ ok: false, message: 'No forget result was scripted.' }),
    getSettings: async () => ({ settings: { knownHostsWrites: 'portwise' }, notices: [], writable: true, files: { own: '/home/tester/.config/portwise/known_hosts', openSsh: '/home/tester/.ssh/known_hosts' } }),
    saveSettings: async () => ({ ok: false, message: 'No settings save was scripted.' }),
    listHistory: async () => ({ ok: true, entries: [], notices: [] }),
    getHistoryReport: async () => ({ ok: false, error: { code: 'not-found', message: 'No saved report was scripted.' } }),
    clearHistory: async () => ({ ok: true, removed: 0 }),
    exportReport: async () => ({ ok: false, message: 'No export was scripted.' }),
    startFleet: async () => ({ ok: false, error: { code: 'unscripted', message: 'No fleet run was scripted.' } }),
    cancelFleet: async () => ({ cancelled: false }),
  };

  readonly api: PortwiseApi = {
    startDiagnosis: (r) => this.call('startDiagnosis', r),
    cancelDiagnosis: (r) => this.call('cancelDiagnosis', r),
    answerPrompt: (r) => this.call('answerPrompt', r),
    answerDiagnosis: (r) => this.call('answerDiagnosis', r),
    verifyFix: (r) => this.call('verifyFix', r),
    getAppInfo: (r) => this.call('getAppInfo', r),
    listKnownHosts: (r) => this.call('listKnownHosts', r),
    pinHostKey: (r) => this.call('pinHostKey', r),
    repinHostKey: (r) => this.call('repinHostKey', r),
    removeHostKey: (r) => this.call('removeHostKey', r),
    listProfiles: (r) => this.call('listProfiles', r),
    importSshConfig: (r) => this.call('importSshConfig', r),
    testProfile: (r) => this.call('testProfile', r),
    saveProfile: (r) => this.call('saveProfile', r),
    removeProfile: (r) => this.call('removeProfile', r),
    forgetSecret: (r) => this.call('forgetSecret', r),
    getSettings: (r) => this.call('getSettings', r),
    saveSettings: (r) => this.call('saveSettings', r),
    listHistory: (r) => this.call('listHistory', r),
    getHistoryReport: (r) => this.call('getHistoryReport', r),
    clearHistory: (r) => this.call('clearHistory', r),
    exportReport: (r) => this.call('exportReport', r),
    startFleet: (r) => this.call('startFleet', r),
    cancelFleet: (r) => this.call('cancelFleet', r),
    onDiagnosisEvent: (listener) => {
      this.listeners.add(listener);
      return () => this.listeners.delete(listener);
    },
    onFleetEvent: (listener) => {
      this.fleetListeners.add(listener);
      return () => this.fleetListeners.delete(listener);
    },
  };

  private call<N extends CallName>(name: N, request: CallRequest<N>): Promise<CallResponse<N>> {
    this.calls.push({ name, request });
    return (this.handlers[name] as (r: CallRequest<N>) => Promise<CallResponse<N>>)(request);
  }

  requests<N extends CallName>(name: N): CallRequest<N>[] {
    return this.calls.filter((c) => c.name === name).map((c) => c.request as CallRequest<N>);
  }

  emit(runId: string, event: DiagnosisEvent): void {
    for (const listener of this.listeners) listener({ runId, event });
  }

  emitFleet(fleetId: string, event: EventPayload<'onFleetEvent'>['event']): void {
    for (const listener of this.fleetListeners) listener({ fleetId, event });
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  get fleetSubscribers(): number {
    return this.fleetListeners.size;
  }
}

/** A wizard on a fake API, with a finished run of `report` in it (as after a real run). */
export async function finishedWizard(report: Report, fake = new FakeApi()): Promise<{ fake: FakeApi; wizard: Wizard; runId: string }> {
  const wizard = createWizard(fake.api);
  await wizard.start({ input: report.target.input, rounds: 3, timeoutMs: 3000, service: '', symptom: null, access: { kind: 'none' } });
  const runId = wizard.store.getState().run?.runId ?? '';
  fake.emit(runId, { type: 'finished', report });
  return { fake, wizard, runId };
}

/** The evidence a real session records for its probes, so that `reviseReport` can read the facts back. */
function probeEvidence(report: Report, attempts: ProbeAttempt[], resolution: Parameters<typeof facts>[1]): Evidence[] {
  const base = { where: 'workstation', startedAt: report.startedAt, ms: 1, status: 'ok' as const, raw: null, origin: 'collected' as const };
  return [
    { ...base, id: 'dns', command: `resolve ${report.target.host}`, summary: 'resolved', facts: { check: 'dns', resolution } },
    { ...base, id: 'tcp-probe', command: `connect ${report.target.host}:${report.target.port}`, summary: 'probed', facts: { check: 'tcp-probe', attempts } },
  ];
}

/**
 * A finished report for `host:port` whose every address answered with `status` on every round,
 * walked by the real tree (no server evidence, so it may end in a pending question).
 */
export function realReport(input: string, addresses: string[], status: ConnectStatus, rounds = 3): Report {
  const resolution = resolved(input.split(':')[0] ?? input, addresses.map((a) => addr(a)));
  const attempts = addresses.flatMap((a) => Array.from({ length: rounds }, (_, i) => attempt(a, status, { round: i + 1 })));
  const f = facts(input, resolution, attempts);
  const report = reportFrom(f, input);
  return { ...report, evidence: probeEvidence(report, [...f.probes], resolution) };
}
