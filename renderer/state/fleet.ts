import { createStore, type StoreApi } from 'zustand/vanilla';
import type { CallRequest, EventPayload, FleetEvent, FleetOutcome, FleetServerInfo, PortwiseApi } from '../../shared/common/ipc';
import type { Activity } from '../../shared/common/schema/events';
import { defaultProbeOptions, FLEET_LIMITS } from '../../shared/common/schema/limits';
import type { FleetServerResult } from '../../shared/common/schema/fleet';
import type { HumanError } from './run';
import { describeThrown, type StartError } from './wizard';

/**
 * The Fleet screen's state: the form's last values, one fleet run folded from main's events, and
 * the server whose report is open. The only code here that calls the fleet part of `window.portwise`.
 */

/** The form as the person left it: main parses the typed destinations again with the CLI's parser. */
export interface FleetFormValues {
  port: number | null;
  /** Saved profiles by id, in the order they were ticked. */
  profileIds: readonly string[];
  /** `user@host[:port]`, as typed. */
  destinations: readonly string[];
  /** '' when none is given (each profile's usual service is used). */
  service: string;
  concurrency: number;
  /** Probe rounds per address, and each connect's deadline (ms), on every server. */
  rounds: number;
  timeoutMs: number;
  sudo: boolean;
  acceptNewHostKeys: boolean;
}

export const initialFleetForm: FleetFormValues = {
  port: null,
  profileIds: [],
  destinations: [],
  service: '',
  concurrency: FLEET_LIMITS.defaultConcurrency,
  rounds: defaultProbeOptions.rounds,
  timeoutMs: defaultProbeOptions.timeoutMs,
  sudo: false,
  acceptNewHostKeys: false,
};

/** `waiting`: for a free slot; `running`: its diagnosis has begun; `done`: its result is in. */
export type FleetServerPhase = 'waiting' | 'running' | 'done';

export interface FleetServerState {
  info: FleetServerInfo;
  phase: FleetServerPhase;
  /** Its diagnosis's activities, in the order each began (updated in place, as the run screen keeps them). */
  activities: readonly Activity[];
  result: FleetServerResult | null;
  /** Where main saved its report in the history (null: no report, or not saved). */
  historyId: string | null;
}

export interface FleetRun {
  fleetId: string;
  port: number;
  concurrency: number;
  /** `failed`: the run itself stopped on an internal error (a server's own failure is in its result). */
  status: 'running' | 'finished' | 'failed';
  /** The person pressed Cancel and main has not ended the run yet. */
  cancelRequested: boolean;
  /** In the order they were given. */
  servers: readonly FleetServerState[];
  /** How many servers have ended. */
  done: number;
  /** The rows and verdict, once every server ended. */
  outcome: FleetOutcome | null;
  /** What the person should know, in the order it was said (a server's are prefixed with its name). */
  notices: readonly string[];
  error: HumanError | null;
}

export interface FleetState {
  form: FleetFormValues;
  /** A start call is in flight. */
  starting: boolean;
  startError: StartError | null;
  run: FleetRun | null;
  /** The server whose report is open, by its place in the run. */
  opened: number | null;
}

/** The calls the fleet needs: a narrow port, so a test can give just these. */
export type FleetApi = Pick<PortwiseApi, 'startFleet' | 'cancelFleet' | 'onFleetEvent'>;

export interface Fleet {
  store: StoreApi<FleetState>;
  start(values: FleetFormValues): Promise<void>;
  cancel(): Promise<void>;
  /** Opens one server's full report (the run stays behind it). */
  open(index: number): void;
  /** Back to the run from a report. */
  back(): void;
  /** Back to the form, with its last values; only once the run has ended. */
  newRun(): void;
  dispose(): void;
}

/** The form's values as the contract takes them: the profiles first, then the typed destinations, each in its order. */
export function fleetRequest(values: FleetFormValues & { port: number }): CallRequest<'startFleet'> {
  const service = values.service.trim();
  return {
    port: values.port,
    servers: [...values.profileIds.map((id) => ({ kind: 'profile' as const, id })), ...values.destinations.map((destination) => ({ kind: 'ssh' as const, destination: destination.trim() }))],
    ...(service ? { service } : {}),
    concurrency: values.concurrency,
    rounds: values.rounds,
    timeoutMs: values.timeoutMs,
    sudo: values.sudo,
    acceptNewHostKeys: values.acceptNewHostKeys,
  };
}

export function newFleetRun(init: { fleetId: string; port: number; concurrency: number; servers: readonly FleetServerInfo[] }): FleetRun {
  return {
    fleetId: init.fleetId,
    port: init.port,
    concurrency: init.concurrency,
    status: 'running',
    cancelRequested: false,
    servers: init.servers.map((info) => ({ info, phase: 'waiting', activities: [], result: null, historyId: null })),
    done: 0,
    outcome: null,
    notices: [],
    error: null,
  };
}

function withServer(run: FleetRun, index: number, change: (server: FleetServerState) => FleetServerState): FleetRun {
  // An index main did not announce cannot be shown against a server: it is dropped, not guessed at.
  if (!run.servers[index]) return run;
  return { ...run, servers: run.servers.map((s, i) => (i === index ? change(s) : s)) };
}

/** Folds one event into the run. Pure; events after the run ended are ignored: the end is final. */
export function applyFleetEvent(run: FleetRun, event: FleetEvent): FleetRun {
  if (run.status !== 'running') return run;
  switch (event.type) {
    case 'server-started':
      return withServer(run, event.index, (s) => (s.phase === 'waiting' ? { ...s, phase: 'running' } : s));
    case 'server-activity': {
      const { activity } = event;
      return withServer(run, event.index, (s) => {
        const known = s.activities.some((a) => a.id === activity.id);
        return { ...s, activities: known ? s.activities.map((a) => (a.id === activity.id ? activity : a)) : [...s.activities, activity] };
      });
    }
    case 'server-done': {
      const next = withServer(run, event.index, (s) => ({ ...s, phase: 'done', result: event.result, historyId: event.historyId }));
      return next === run ? run : { ...next, done: Math.max(run.done, event.done) };
    }
    case 'notice': {
      const server = event.index === null ? null : run.servers[event.index];
      return { ...run, notices: [...run.notices, server ? `${server.info.label}: ${event.message}` : event.message] };
    }
    case 'finished':
      // The outcome is the record: every server's result as main ended it, in the order given.
      return {
        ...run,
        status: 'finished',
        cancelRequested: false,
        outcome: event.outcome,
        done: event.outcome.servers.length,
        servers: run.servers.map((s, i) => {
          const result = event.outcome.servers[i];
          return result ? { ...s, phase: 'done', result } : s;
        }),
      };
    case 'failed':
      return { ...run, status: 'failed', cancelRequested: false, error: { message: event.message, detail: event.detail } };
  }
}

type FleetPayload = EventPayload<'onFleetEvent'>;

/** Events that may arrive before `startFleet` answers with their run's id; a bound, not a leak. */
const MAX_EARLY_EVENTS = 5000;

export function createFleet(api: FleetApi): Fleet {
  const store = createStore<FleetState>()(() => ({ form: initialFleetForm, starting: false, startError: null, run: null, opened: null }));
  // Main starts the first servers before its answer reaches us (events and the answer travel
  // separately), so while a start is pending every event is kept, then replayed.
  let early: FleetPayload[] | null = null;

  const unsubscribe = api.onFleetEvent((payload) => {
    const { run } = store.getState();
    if (run && payload.fleetId === run.fleetId) store.setState({ run: applyFleetEvent(run, payload.event) });
    else if (early && early.length < MAX_EARLY_EVENTS) early.push(payload);
  });

  async function start(values: FleetFormValues): Promise<void> {
    const { starting, run } = store.getState();
    if (starting || run?.status === 'running' || values.port === null) return;
    early = [];
    store.setState({ form: values, starting: true, startError: null });
    try {
      const response = await api.startFleet(fleetRequest({ ...values, port: values.port }));
      if (!response.ok) {
        store.setState({ starting: false, startError: { kind: 'refused', code: response.error.code, message: response.error.message } });
        return;
      }
      let next = newFleetRun(response);
      for (const payload of early ?? []) if (payload.fleetId === next.fleetId) next = applyFleetEvent(next, payload.event);
      store.setState({ starting: false, run: next, opened: null });
    } catch (error) {
      store.setState({ starting: false, startError: { kind: 'failed', message: 'Portwise could not start the fleet run.', detail: describeThrown(error) } });
    } finally {
      early = null;
    }
  }

  async function cancel(): Promise<void> {
    const { run } = store.getState();
    if (!run || run.status !== 'running' || run.cancelRequested) return;
    store.setState({ run: { ...run, cancelRequested: true, error: null } });
    try {
      // The run ends when main sends `finished`, every server cancelled or ended. `cancelled: false`
      // means it had ended already: main sends `finished` before it forgets a run, so that event
      // is on its way and ends it here.
      const { cancelled } = await api.cancelFleet({ fleetId: run.fleetId });
      const current = store.getState().run;
      if (!cancelled && current?.fleetId === run.fleetId && current.status === 'running') store.setState({ run: { ...current, cancelRequested: false } });
    } catch (error) {
      const current = store.getState().run;
      if (current?.fleetId !== run.fleetId || current.status !== 'running') return;
      store.setState({ run: { ...current, cancelRequested: false, error: { message: 'Portwise could not cancel the fleet run; it is still running.', detail: describeThrown(error) } } });
    }
  }

  function open(index: number): void {
    if (store.getState().run?.servers[index]?.result?.report) store.setState({ opened: index });
  }

  function newRun(): void {
    if (store.getState().run?.status === 'running') return;
    store.setState({ run: null, opened: null, startError: null });
  }

  return { store, start, cancel, open, back: () => store.setState({ opened: null }), newRun, dispose: unsubscribe };
}
