import { createStore, type StoreApi } from 'zustand/vanilla';
import type { CallRequest, CallResponse, EventPayload, PortwiseApi } from '../../shared/common/ipc';
import { defaultProbeOptions } from '../../shared/common/schema/limits';
import type { NodeAnswer } from '../../shared/common/schema/answers';
import type { PromptAnswer } from '../../shared/common/schema/prompts';
import type { Report, Symptom } from '../../shared/common/schema/report';
import { applyEvent, newRun, reviseRun, withVerification, type HumanError, type RunState } from './run';

/**
 * The wizard's state and the only code that talks to `window.portwise`. Components read the store
 * (through the Svelte bridge) and call the actions; they never call the API themselves.
 */

export type Screen = 'target' | 'run' | 'profiles' | 'known-hosts' | 'history' | 'fleet';

/** The app's sections, as the header's navigation names them. */
export type Section = 'diagnose' | 'profiles' | 'known-hosts' | 'history' | 'fleet';

export interface FormValues {
  input: string;
  rounds: number;
  timeoutMs: number;
  /** The service that should answer (a systemd unit name), or '' when not known. */
  service: string;
  symptom: Symptom | null;
  access: AccessChoice;
}

/** How to reach the server, as the form holds it (`user@host[:port]` texts are parsed in main). */
export type AccessChoice = { kind: 'none' } | { kind: 'ssh'; destination: string; jumps: string[]; sudo: boolean } | {
      kind: 'profile';
      id: string;
      name: string;
      /** The chain as the profiles said when it was chosen, for the path diagram (main expands it again). */
      destination: string;
      jumps: string[];
    };

/** Why the last start did not begin a run: main refused the target, or the call itself failed. */
export type StartError = { kind: 'refused'; code: string; message: string } | ({ kind: 'failed' } & HumanError);

export interface WizardState {
  screen: Screen;
  /** The values of the last submitted form, so "New diagnosis" starts from them. */
  form: FormValues;
  /** A start call is in flight. */
  starting: boolean;
  startError: StartError | null;
  run: RunState | null;
  /** Name and version for the header; null until main answers (or if it cannot). */
  appInfo: CallResponse<'getAppInfo'> | null;
}

export interface Wizard {
  store: StoreApi<WizardState>;
  start(values: FormValues): Promise<void>;
  cancel(): Promise<void>;
  /**
   * Manual mode: answer one step of the finished run (a choice, pasted output, an override), or
   * withdraw the answer with null. The report is walked again with every answer given so far.
   */
  answer(node: string, answer: NodeAnswer | null): Promise<void>;
  /**
   * Answers a question the SSH layer asked (host key, passphrase, password, keyboard-interactive).
   * False when the answer could not be passed on (the question is still open: try again or cancel).
   */
  answerPrompt(promptId: string, answer: PromptAnswer): Promise<boolean>;
  /** After a fix: probe the failing addresses again and keep before and after. */
  verifyFix(): Promise<void>;
  /**
   * A report as a file to save, rendered and redacted by main (secrets always, `redact` too); a
   * failed call is a sentence like main's refusals, never a throw.
   */
  exportReport(report: Report, format: CallRequest<'exportReport'>['format'], redact: CallRequest<'exportReport'>['redact']): Promise<CallResponse<'exportReport'>>;
  /**
   * The finished run's SSH login met a changed host key, and the person compared the new
   * fingerprint on the server itself: replace the pinned key (Portwise's own file only).
   */
  repinHostKey(): Promise<void>;
  /** Opens a section; "diagnose" comes back to the run when there is one (a run keeps going meanwhile). */
  open(section: Section): void;
  /**
   * "Diagnose with this profile": the form opens with that access chosen. A run still going is
   * left alone (the choice waits for the next diagnosis).
   */
  chooseAccess(access: AccessChoice): void;
  /** Back to the form; a run still going is cancelled and its late events are ignored. */
  startOver(): void;
  dispose(): void;
}

type DiagnosisPayload = EventPayload<'onDiagnosisEvent'>;

/** Events that may arrive before `startDiagnosis` answers with their run id; a bound, not a leak. */
const MAX_EARLY_EVENTS = 2000;

export const initialForm: FormValues = {
  input: '',
  rounds: defaultProbeOptions.rounds,
  timeoutMs: defaultProbeOptions.timeoutMs,
  service: '',
  symptom: null,
  access: { kind: 'none' },
};

/** The form's choice as the contract takes it: blank jump rows dropped, a profile by its id only. */
function accessRequest(access: AccessChoice): CallRequest<'startDiagnosis'>['access'] {
  if (access.kind === 'ssh') return { ...access, jumps: access.jumps.filter((j) => j.trim() !== '') };
  if (access.kind === 'profile') return { kind: 'profile', id: access.id };
  return access;
}

/** The run's saved history entry, for the calls that keep it current (none when it was not saved). */
const historyOf = (run: RunState): { historyId?: string } => (run.historyId ? { historyId: run.historyId } : {});

export function describeThrown(error: unknown): string {
  if (error instanceof Error) return error.stack && error.stack.includes(error.message) ? error.stack : `${error.name}: ${error.message}`;
  return String(error);
}

export function createWizard(api: PortwiseApi): Wizard {
  const store = createStore<WizardState>()(() => ({
    screen: 'target',
    form: initialForm,
    starting: false,
    startError: null,
    run: null,
    appInfo: null,
  }));
  // Main may send a run's first events before the start call's answer reaches us (events and the
  // answer travel separately), so while a start is pending every event is kept, then replayed.
  let early: DiagnosisPayload[] | null = null;
  // Bumped by startOver: an answer to an abandoned start must not open a run screen.
  let generation = 0;

  const onEvent = (payload: DiagnosisPayload) => {
    const { run } = store.getState();
    if (run && payload.runId === run.runId) {
      // A question from SSH holds the run: it is asked where the run is, so the run screen comes back.
      const screen = payload.event.type === 'prompt' ? 'run' : store.getState().screen;
      store.setState({ run: applyEvent(run, payload.event), screen });
    } else if (early && early.length < MAX_EARLY_EVENTS) {
      early.push(payload);
    }
  };
  const unsubscribe = api.onDiagnosisEvent(onEvent);
  // Only decoration (the version in the header): without it the wizard works the same.
  api.getAppInfo({}).then(
    (appInfo) => store.setState({ appInfo }),
    () => undefined,
  );

  async function start(values: FormValues): Promise<void> {
    if (store.getState().starting) return;
    const mine = ++generation;
    early = [];
    store.setState({ form: values, starting: true, startError: null });
    try {
      const service = values.service.trim();
      const response = await api.startDiagnosis({
        target: values.input,
        rounds: values.rounds,
        timeoutMs: values.timeoutMs,
        ...(service ? { service } : {}),
        ...(values.symptom ? { symptom: values.symptom } : {}),
        access: accessRequest(values.access),
      });
      if (mine !== generation) {
        if (response.ok) void api.cancelDiagnosis({ runId: response.runId }).catch(() => undefined);
        return;
      }
      if (!response.ok) {
        store.setState({ starting: false, startError: { kind: 'refused', code: response.error.code, message: response.error.message } });
        return;
      }
      let run = newRun({ runId: response.runId, input: values.input, target: response.target, rounds: values.rounds, timeoutMs: values.timeoutMs });
      for (const payload of early ?? []) if (payload.runId === run.runId) run = applyEvent(run, payload.event);
      store.setState({ screen: 'run', starting: false, run });
    } catch (error) {
      if (mine !== generation) return;
      store.setState({
        starting: false,
        startError: { kind: 'failed', message: 'Portwise could not start the diagnosis.', detail: describeThrown(error) },
      });
    } finally {
      if (mine === generation) early = null;
    }
  }

  async function cancel(): Promise<void> {
    const { run } = store.getState();
    if (!run || run.status !== 'running' || run.cancelRequested) return;
    store.setState({ run: { ...run, cancelRequested: true, error: null } });
    try {
      // The run ends when the engine sends `cancelled` (or finishes first). `cancelled: false` means
      // main no longer knows the run, so no event will end it: it ends here.
      const { cancelled } = await api.cancelDiagnosis({ runId: run.runId });
      const current = store.getState().run;
      if (!cancelled && current?.runId === run.runId && current.status === 'running') {
        store.setState({ run: { ...current, status: 'cancelled', cancelRequested: false } });
      }
    } catch (error) {
      const current = store.getState().run;
      if (current?.runId !== run.runId || current.status !== 'running') return;
      store.setState({
        run: { ...current, cancelRequested: false, error: { message: 'Portwise could not cancel the diagnosis; it is still running.', detail: describeThrown(error) } },
      });
    }
  }

  async function answer(node: string, given: NodeAnswer | null): Promise<void> {
    const run = store.getState().run;
    if (!run?.report || run.status !== 'finished' || run.answering) return;
    const { [node]: _previous, ...others } = run.report.answers;
    const answers = given ? { ...others, [node]: given } : others;
    store.setState({ run: { ...run, answering: true, answerErrors: [], answerFor: node } });
    try {
      const response = await api.answerDiagnosis({ report: run.report, answers, ...historyOf(run) });
      const current = store.getState().run;
      if (current?.runId !== run.runId) return;
      store.setState({ run: response.ok ? reviseRun(current, response.report) : { ...current, answering: false, answerErrors: response.errors } });
    } catch (error) {
      const current = store.getState().run;
      if (current?.runId !== run.runId) return;
      store.setState({ run: { ...current, answering: false, answerErrors: [`Portwise could not apply the answer: ${describeThrown(error).split('\n')[0]}`] } });
    }
  }

  async function answerPrompt(promptId: string, answer: PromptAnswer): Promise<boolean> {
    const run = store.getState().run;
    if (!run || run.status !== 'running') return true;
    try {
      // The dialog closes when main says the question is settled (`prompt-closed`), not before.
      const { accepted } = await api.answerPrompt({ runId: run.runId, promptId, answer });
      const current = store.getState().run;
      if (!accepted && current?.runId === run.runId) store.setState({ run: { ...current, prompts: current.prompts.filter((p) => p.id !== promptId) } });
      return true;
    } catch (error) {
      const current = store.getState().run;
      if (current?.runId !== run.runId) return true;
      store.setState({ run: { ...current, error: { message: 'Portwise could not pass on your answer.', detail: describeThrown(error) } } });
      return false;
    }
  }

  async function verifyFix(): Promise<void> {
    const run = store.getState().run;
    if (!run?.report || run.status !== 'finished' || run.verify?.status === 'running') return;
    store.setState({ run: { ...run, verify: { status: 'running' } } });
    const settle = (verify: NonNullable<RunState['verify']>) => {
      const current = store.getState().run;
      if (current?.runId !== run.runId) return;
      // A result joins the report's record, as main adds it to the saved entry: an export after it holds it.
      const report = verify.status === 'done' && current.report ? withVerification(current.report, { at: verify.at, before: [...verify.before], after: [...verify.after], fixed: verify.fixed }) : current.report;
      store.setState({ run: { ...current, verify, report } });
    };
    try {
      const result = await api.verifyFix({ report: run.report, ...historyOf(run) });
      settle(
        result.ok
          ? { status: 'done', before: result.before, after: result.after, fixed: result.fixed, at: result.at }
          : { status: 'failed', error: { message: result.error.message, detail: result.error.code } },
      );
    } catch (error) {
      settle({ status: 'failed', error: { message: 'Portwise could not probe again.', detail: describeThrown(error) } });
    }
  }

  async function exportReport(report: Report, format: CallRequest<'exportReport'>['format'], redact: CallRequest<'exportReport'>['redact']): Promise<CallResponse<'exportReport'>> {
    try {
      return await api.exportReport({ report, format, redact });
    } catch (error) {
      return { ok: false, message: `Portwise could not export the report: ${describeThrown(error).split('\n')[0]}` };
    }
  }

  async function repinHostKey(): Promise<void> {
    const run = store.getState().run;
    const failure = run?.report?.sshFailure;
    if (!run || run.repin?.status === 'running' || failure?.kind !== 'host-key-changed') return;
    const hop = failure.failedHop;
    const presented = failure.presented;
    const known = failure.known ?? [];
    if (!hop || !presented?.key || known.length === 0) return;
    store.setState({ run: { ...run, repin: { status: 'running' } } });
    const settle = (repin: NonNullable<RunState['repin']>) => {
      const current = store.getState().run;
      if (current?.runId === run.runId) store.setState({ run: { ...current, repin } });
    };
    try {
      const result = await api.repinHostKey({
        key: { host: hop.host, port: hop.port, keyType: presented.keyType, key: presented.key },
        confirmedOld: known.map((k) => k.fingerprint),
      });
      settle(result.ok ? { status: 'done', fingerprint: result.fingerprint, staleElsewhere: result.staleElsewhere } : { status: 'failed', message: result.message });
    } catch (error) {
      settle({ status: 'failed', message: `Portwise could not replace the key: ${describeThrown(error)}` });
    }
  }

  function open(section: Section): void {
    store.setState({ screen: section === 'diagnose' ? (store.getState().run ? 'run' : 'target') : section });
  }

  function chooseAccess(access: AccessChoice): void {
    const { form, run } = store.getState();
    store.setState({ form: { ...form, access } });
    if (run?.status === 'running') store.setState({ screen: 'run' });
    else startOver();
  }

  function startOver(): void {
    const { run } = store.getState();
    generation++;
    early = null;
    if (run && run.status === 'running') void api.cancelDiagnosis({ runId: run.runId }).catch(() => undefined);
    store.setState({ screen: 'target', starting: false, startError: null, run: null });
  }

  return { store, start, cancel, answer, answerPrompt, verifyFix, exportReport, repinHostKey, open, chooseAccess, startOver, dispose: unsubscribe };
}
