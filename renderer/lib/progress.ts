import { ACTIVITY_STAGES, type Activity, type ActivityStage } from '../../shared/common/schema/events';
import type { RunStatus } from '../state/run';

/** `stopped`: it was under way when the run was cancelled or failed; `not-reached`: it never began. */
export type StageState = 'waiting' | 'running' | 'done' | 'failed' | 'skipped' | 'stopped' | 'not-reached';

export interface StageView {
  stage: ActivityStage;
  title: string;
  state: StageState;
  /** One line: what runs now, what was found, or why the stage did not run. */
  summary: string;
  /** First start to last end; for a running stage, up to `now`. Null before it began. */
  ms: number | null;
}

const TITLES: Readonly<Record<ActivityStage, string>> = {
  workstation: 'On this computer',
  login: 'Logging in',
  server: 'On the server',
  decide: 'Deciding',
};

const WAITING: Readonly<Record<ActivityStage, string>> = {
  workstation: 'Starting…',
  login: 'Waits for the probes',
  server: 'Waits for the login',
  decide: 'Waits for the evidence',
};

const time = (iso: string) => Date.parse(iso);

function started(a: Activity): number {
  return a.state === 'running' || a.ms === null ? time(a.at) : time(a.at) - a.ms;
}

function ended(a: Activity): number {
  return time(a.at);
}

function span(list: readonly Activity[], until: number | null): number | null {
  if (list.length === 0) return null;
  const first = Math.min(...list.map(started));
  const last = until ?? Math.max(...list.map(ended));
  return Math.max(0, last - first);
}

function countWord(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function runningSummary(stage: ActivityStage, list: readonly Activity[], running: readonly Activity[]): string {
  const now = running[0]?.label ?? '';
  const more = running.length > 1 ? ` (+${running.length - 1} more)` : '';
  if (stage !== 'server') return `${now}${more}`;
  const finished = list.length - running.length;
  return `${finished} of ${list.length} done · ${now}${more}`;
}

function doneSummary(stage: ActivityStage, list: readonly Activity[]): string {
  const failed = list.filter((a) => a.state === 'failed');
  if (stage === 'server') {
    const commands = list.filter((a) => a.command !== null);
    return `${countWord(commands.length, 'command', 'commands')} read${failed.length > 0 ? `, ${failed.length} failed` : ''}`;
  }
  if (stage === 'login') {
    const hops = list.filter((a) => a.id.startsWith('hop-'));
    return hops.length > 1 ? `Logged in through ${countWord(hops.length - 1, 'jump host', 'jump hosts')}` : 'Logged in';
  }
  if (stage === 'workstation') {
    const did = [list.some((a) => a.id === 'dns') && 'looked up', list.some((a) => a.id === 'probes') && 'probed', list.some((a) => a.id === 'local-listeners') && 'read the listeners'].filter(
      (word): word is string => typeof word === 'string',
    );
    const sentence = did.join(', ');
    return sentence === '' ? 'Done' : `${sentence[0]!.toUpperCase()}${sentence.slice(1)}`;
  }
  return list[list.length - 1]?.label ?? '';
}

/**
 * The four stages as the progress panel shows them. Pure: the same activities, run status and
 * clock always give the same view. A stage is done once a later stage has begun or the run ended,
 * so the pause between two waves of server commands does not read as "done".
 */
export function stageViews(activities: readonly Activity[], status: RunStatus, now: number): StageView[] {
  const running = status === 'running';
  const laterBegan = (stage: ActivityStage) => ACTIVITY_STAGES.slice(ACTIVITY_STAGES.indexOf(stage) + 1).some((s) => activities.some((a) => a.stage === s));
  return ACTIVITY_STAGES.map((stage): StageView => {
    const list = activities.filter((a) => a.stage === stage);
    const title = TITLES[stage];
    const skipped = list.find((a) => a.state === 'skipped');
    if (skipped) return { stage, title, state: 'skipped', summary: skipped.label, ms: null };
    if (list.length === 0) {
      return running ? { stage, title, state: 'waiting', summary: WAITING[stage], ms: null } : { stage, title, state: 'not-reached', summary: 'Not reached', ms: null };
    }
    const inFlight = list.filter((a) => a.state === 'running');
    // The baseline round trip is a measurement, not a step of the login: its failure fails nothing.
    const fatal = stage !== 'server' && [...list].reverse().find((a) => a.state === 'failed' && a.id !== 'baseline');
    if (fatal) return { stage, title, state: 'failed', summary: fatal.label, ms: span(list, null) };
    if (inFlight.length > 0 || (running && !laterBegan(stage))) {
      if (!running) return { stage, title, state: 'stopped', summary: `Stopped: ${inFlight[0]?.label ?? list[list.length - 1]!.label}`, ms: span(list, null) };
      return { stage, title, state: 'running', summary: inFlight.length > 0 ? runningSummary(stage, list, inFlight) : 'Preparing the next checks…', ms: span(list, now) };
    }
    return { stage, title, state: 'done', summary: doneSummary(stage, list), ms: span(list, null) };
  });
}

/** The activities running now, oldest first, for the "now running" lines. */
export function runningActivities(activities: readonly Activity[], status: RunStatus): Activity[] {
  if (status !== 'running') return [];
  return activities.filter((a) => a.state === 'running');
}

/** Milliseconds an activity has been running at `now`. */
export function elapsed(activity: Activity, now: number): number {
  return Math.max(0, now - started(activity));
}
