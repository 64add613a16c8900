import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { calls, events, type CallResponse, type EventPayload } from '../common/ipc';
import type { CallName, EventName } from '../common/ipc-names';
import { parseTarget } from '../common/schema/target';
import { defaultProbeOptions } from '../common/schema/probe';
import { startDiagnosis, type RunningDiagnosis } from './session';
import { reviseReport } from '../common/tree/revise';

/** Where events go: Electron sends them to the window; the browser tests dispatch them into the page. */
export interface EventSink {
  emit<N extends EventName>(name: N, payload: EventPayload<N>): void;
}

export interface AppInfo {
  name: string;
  version: string;
  platform: string;
}

export interface HandlerDeps {
  sink: EventSink;
  appInfo: AppInfo;
}

/** A payload that failed its schema: reported to the caller, never passed to the engine. */
export class IpcValidationError extends Error {
  constructor(
    readonly call: string,
    readonly issues: string,
  ) {
    super(`Invalid request to ${call}: ${issues}`);
    this.name = 'IpcValidationError';
  }
}

export type HandlerTable = { [N in CallName]: (request: unknown) => Promise<CallResponse<N>> };

function parseRequest<N extends CallName>(name: N, request: unknown) {
  const parsed = calls[name].request.safeParse(request);
  if (!parsed.success) throw new IpcValidationError(name, parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  return parsed.data as z.output<(typeof calls)[N]['request']>;
}

/**
 * The one handler table: Electron registers it with ipcMain, the browser tests expose it to the page.
 * Every request is validated against the contract before anything touches the engine, and every
 * event is validated before it leaves, so a bug cannot leak an off-contract payload to the UI.
 */
export function createHandlerTable(deps: HandlerDeps): HandlerTable & { dispose(): void } {
  const runs = new Map<string, RunningDiagnosis>();
  const emit = <N extends EventName>(name: N, payload: EventPayload<N>) => deps.sink.emit(name, events[name].parse(payload) as EventPayload<N>);

  const table: HandlerTable = {
    async startDiagnosis(request) {
      const req = parseRequest('startDiagnosis', request);
      const target = parseTarget(req.target);
      if (!target.ok) return { ok: false, error: target.error };
      const runId = randomUUID();
      const run = startDiagnosis({
        runId,
        input: req.target,
        target: target.value,
        options: { ...defaultProbeOptions, ...(req.rounds ? { rounds: req.rounds } : {}), ...(req.timeoutMs ? { timeoutMs: req.timeoutMs } : {}) },
        onEvent: (event) => emit('onDiagnosisEvent', { runId, event }),
      });
      runs.set(runId, run);
      void run.done.finally(() => runs.delete(runId));
      return calls.startDiagnosis.response.parse({ ok: true, runId, target: target.value });
    },
    async cancelDiagnosis(request) {
      const { runId } = parseRequest('cancelDiagnosis', request);
      const run = runs.get(runId);
      if (!run) return { cancelled: false };
      run.cancel();
      return { cancelled: true };
    },
    async answerDiagnosis(request) {
      const { report, answers } = parseRequest('answerDiagnosis', request);
      const revised = reviseReport(report, answers, new Date());
      return calls.answerDiagnosis.response.parse(revised.ok ? { ok: true, report: revised.value } : { ok: false, errors: revised.error });
    },
    async getAppInfo(request) {
      parseRequest('getAppInfo', request);
      return calls.getAppInfo.response.parse(deps.appInfo);
    },
  };
  return {
    ...table,
    dispose() {
      for (const run of runs.values()) run.cancel();
      runs.clear();
    },
  };
}
