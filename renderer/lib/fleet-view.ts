import { fleetRow } from '../../shared/common/report/fleet';
import type { FleetServerState } from '../state/fleet';
import { confidenceLabel } from './format';
import { stageViews } from './progress';

/**
 * One server of a fleet run in a line, as the live list shows it, pure: a word (never colour
 * alone), the pill tone that goes with it, and what it is doing or how it ended.
 */
export interface ServerLine {
  word: 'Waiting' | 'Running' | 'Connects' | 'Diagnosed' | 'Login failed' | 'Cancelled' | 'Failed';
  tone: '' | 'tone-info' | 'tone-ok' | 'tone-warn' | 'tone-bad';
  text: string;
}

export function serverLine(server: FleetServerState): ServerLine {
  if (server.phase === 'waiting') return { word: 'Waiting', tone: '', text: 'Waits for a free slot.' };
  const result = server.result;
  if (server.phase === 'running' || result === null) {
    // The stage under way, as the run screen's progress panel names it (its clock is not shown here).
    const stage = stageViews(server.activities, 'running', 0).find((s) => s.state === 'running');
    return { word: 'Running', tone: 'tone-info', text: stage ? `${stage.title}: ${stage.summary}` : 'Starting…' };
  }
  const failure = result.failure;
  if (failure?.kind === 'cancelled') return { word: 'Cancelled', tone: 'tone-warn', text: failure.message };
  if (failure?.kind === 'failed') return { word: 'Failed', tone: 'tone-bad', text: failure.message };
  const row = fleetRow(result);
  const verdict = row.title === null ? '' : ` ${row.title}${row.confidence ? ` (${confidenceLabel[row.confidence].toLowerCase()})` : ''}.`;
  if (failure?.kind === 'login-failed') return { word: 'Login failed', tone: 'tone-warn', text: `${row.probe} from here; could not log in: ${failure.message}` };
  if (row.outcome === 'connected') return { word: 'Connects', tone: 'tone-ok', text: `${row.probe} from here.${verdict}` };
  return { word: 'Diagnosed', tone: 'tone-bad', text: `${row.probe} from here.${verdict}` };
}

/** "2 of 5 servers done, 2 running": the run's progress in one line, for the heading and screen readers. */
export function progressText(servers: readonly FleetServerState[]): string {
  const done = servers.filter((s) => s.phase === 'done').length;
  const running = servers.filter((s) => s.phase === 'running').length;
  return `${done} of ${servers.length} server${servers.length === 1 ? '' : 's'} done${running > 0 ? `, ${running} running` : ''}.`;
}
