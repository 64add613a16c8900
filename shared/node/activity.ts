import type { Activity, ActivityStage } from '../common/schema/events';

export interface ActivityHandle {
  /** Ends the activity; only the first end counts. */
  end(state: 'done' | 'failed', label?: string): void;
}

export interface ActivityLog {
  start(id: string, stage: ActivityStage, label: string, command?: string | null): ActivityHandle;
  /** A stage that does not apply to this run, and why. */
  skip(stage: ActivityStage, label: string): void;
}

/**
 * Turns "this started" and "this ended" into activity events. Ids are made unique per run (a command
 * that runs twice gets `id#2`), so the UI can update each activity in place.
 */
export function activityLog(emit: (activity: Activity) => void, now: () => number = Date.now): ActivityLog {
  const used = new Map<string, number>();
  const uniqueId = (id: string) => {
    const count = (used.get(id) ?? 0) + 1;
    used.set(id, count);
    return count === 1 ? id : `${id}#${count}`;
  };
  return {
    start(rawId, stage, label, command = null) {
      const id = uniqueId(rawId);
      const startedAt = now();
      emit({ id, stage, label, command, state: 'running', at: new Date(startedAt).toISOString(), ms: null });
      let ended = false;
      return {
        end(state, endLabel) {
          if (ended) return;
          ended = true;
          const at = now();
          emit({ id, stage, label: endLabel ?? label, command, state, at: new Date(at).toISOString(), ms: Math.max(0, at - startedAt) });
        },
      };
    },
    skip(stage, label) {
      emit({ id: uniqueId(`${stage}-skipped`), stage, label, command: null, state: 'skipped', at: new Date(now()).toISOString(), ms: null });
    },
  };
}
