import type { Activity, DiagnosisEvent } from '../../shared/common/schema/events';
import type { ProbeAttempt, ResolvedAddress, Resolution } from '../../shared/common/schema/probe';
import type { Evidence, PathStep, Report, Verification } from '../../shared/common/schema/report';
import type { PromptRequest } from '../../shared/common/schema/prompts';
import type { Target } from '../../shared/common/schema/target';

/** One diagnosis as the run screen shows it, folded from the engine's event stream. Pure data. */

export type RunStatus = 'running' | 'finished' | 'cancelled' | 'failed';

/** A sentence a person can read, and the technical detail behind it (shown folded). */
export interface HumanError {
  message: string;
  detail: string;
}

export interface AddressRow {
  address: ResolvedAddress;
  /** Attempts by 1-based round number; a missing round has not been probed yet. */
  attempts: Readonly<Record<number, ProbeAttempt>>;
}

export interface RunState {
  runId: string;
  /** What the user typed. */
  input: string;
  target: Target;
  rounds: number;
  timeoutMs: number;
  startedAt: string | null;
  resolution: Resolution | null;
  rows: readonly AddressRow[];
  steps: readonly PathStep[];
  evidence: readonly Evidence[];
  /** What the engine is doing and has done, in the order each activity began (updated in place). */
  activities: readonly Activity[];
  report: Report | null;
  /**
   * Where main saved the finished report in the history (null: not saved, or not finished yet).
   * Answers and verify-the-fix runs send it, so the saved entry follows the report.
   */
  historyId: string | null;
  status: RunStatus;
  /** The user pressed Cancel and the engine has not confirmed yet. */
  cancelRequested: boolean;
  error: HumanError | null;
  /** Questions the SSH layer is waiting on (host key, passphrase, password, keyboard-interactive). */
  prompts: readonly PromptRequest[];
  /** What the person should know besides the evidence: a remembered password saved (or not), a damaged file moved aside. */
  notices: readonly RunNotice[];
  /** Manual mode: an answer is being applied to the finished report. */
  answering: boolean;
  /** Why the last answer could not be applied, one sentence each (a paste that is not what was asked...). */
  answerErrors: readonly string[];
  /** The step the last answer was for, so its errors show beside the control that sent it. */
  answerFor: string | null;
  /** Verify-fix: the failing addresses probed again after a fix, or why that could not run. */
  verify: VerifyState | null;
  /** A changed host key the person chose to trust after comparing fingerprints: the re-pin, or why it failed. */
  repin: RepinState | null;
}

export interface RunNotice {
  tone: 'ok' | 'warning';
  message: string;
}

export type RepinState =
  | { status: 'running' }
  | { status: 'done'; fingerprint: string; staleElsewhere: readonly { file: string; line: number; fingerprint: string; command: string }[] }
  | { status: 'failed'; message: string };

export type VerifyState =
  | { status: 'running' }
  | { status: 'done'; before: readonly ProbeAttempt[]; after: readonly ProbeAttempt[]; fixed: boolean; at: string }
  | { status: 'failed'; error: HumanError };

export function newRun(init: { runId: string; input: string; target: Target; rounds: number; timeoutMs: number }): RunState {
  return {
    ...init,
    startedAt: null,
    resolution: null,
    rows: [],
    steps: [],
    evidence: [],
    activities: [],
    report: null,
    historyId: null,
    status: 'running',
    cancelRequested: false,
    error: null,
    prompts: [],
    notices: [],
    answering: false,
    answerErrors: [],
    answerFor: null,
    verify: null,
    repin: null,
  };
}

/** The finished run, walked again with a person's answers: the revised report replaces the old one. */
export function reviseRun(run: RunState, report: Report): RunState {
  return { ...run, report, steps: report.path, evidence: report.evidence, answering: false, answerErrors: [] };
}

/**
 * A verify-the-fix run, added to the report's record (oldest first), so what is exported afterwards
 * holds it; main adds the same to the saved history entry.
 */
export function withVerification(report: Report, verification: Verification): Report {
  return { ...report, verifications: [...(report.verifications ?? []), verification] };
}

function rowFor(address: ResolvedAddress, previous: readonly AddressRow[]): AddressRow {
  return { address, attempts: previous.find((r) => r.address.address === address.address)?.attempts ?? {} };
}

/** A probe for an address the resolution did not list (it should not happen): still shown, never lost. */
function strayRow(attempt: ProbeAttempt): AddressRow {
  return {
    address: { address: attempt.address, family: attempt.family, sources: [], loopback: false, localInterface: null },
    attempts: {},
  };
}

/** Folds one event into the run. Events after the run ended are ignored: the end is final. */
export function applyEvent(run: RunState, event: DiagnosisEvent): RunState {
  if (run.status !== 'running') return run;
  switch (event.type) {
    case 'started':
      return { ...run, target: event.target, rounds: event.options.rounds, timeoutMs: event.options.timeoutMs, startedAt: event.at };
    case 'resolved': {
      // One row per distinct address: a row is keyed by its address.
      const unique = event.resolution.status === 'resolved' ? [...new Map(event.resolution.addresses.map((a) => [a.address, a])).values()] : null;
      const rows = unique ? unique.map((a) => rowFor(a, run.rows)) : run.rows;
      return { ...run, resolution: event.resolution, rows };
    }
    case 'probe': {
      const { attempt } = event;
      const known = run.rows.some((r) => r.address.address === attempt.address);
      const rows = known ? run.rows : [...run.rows, strayRow(attempt)];
      return {
        ...run,
        rounds: Math.max(run.rounds, attempt.round),
        rows: rows.map((r) => (r.address.address === attempt.address ? { ...r, attempts: { ...r.attempts, [attempt.round]: attempt } } : r)),
      };
    }
    case 'activity': {
      const { activity } = event;
      const known = run.activities.some((a) => a.id === activity.id);
      return { ...run, activities: known ? run.activities.map((a) => (a.id === activity.id ? activity : a)) : [...run.activities, activity] };
    }
    case 'evidence':
      return { ...run, evidence: [...run.evidence, event.evidence] };
    case 'step':
      return { ...run, steps: [...run.steps, event.step] };
    case 'prompt':
      return { ...run, prompts: [...run.prompts.filter((p) => p.id !== event.prompt.id), event.prompt] };
    case 'prompt-closed':
      return { ...run, prompts: run.prompts.filter((p) => p.id !== event.id) };
    case 'notice':
      return { ...run, notices: [...run.notices, { tone: 'warning', message: event.message }] };
    case 'secret':
      return { ...run, notices: [...run.notices, { tone: event.saved ? 'ok' : 'warning', message: event.message }] };
    case 'finished':
      // The report is the record: its path is what the verdict rests on, streamed or not.
      return { ...run, report: event.report, historyId: event.historyId ?? null, steps: event.report.path, status: 'finished', cancelRequested: false, prompts: [] };
    case 'cancelled':
      return { ...run, status: 'cancelled', cancelRequested: false, prompts: [] };
    case 'failed':
      return { ...run, status: 'failed', cancelRequested: false, prompts: [], error: { message: event.message, detail: event.detail } };
  }
}

/** The round an address is waiting for next (1-based), or null when every round has an answer. */
export function nextRound(row: AddressRow, rounds: number): number | null {
  for (let round = 1; round <= rounds; round++) if (!row.attempts[round]) return round;
  return null;
}
