import type { ActionOutcome } from './action-outcome';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { HistoryEntry, PortwiseApi } from '../../shared/common/ipc';
import type { Report } from '../../shared/common/schema/report';
import { olderFirst } from '../../shared/common/report/compare';
import { describeThrown } from './wizard';
import type { HumanError } from './run';

/**
 * The saved reports as the History screen shows them, and the only code here that calls the
 * history part of `window.portwise`: the list, one report opened read-only, two reports of one
 * target compared, and clearing on request.
 */

/** One report opened from the list, as it loads. */
export type OpenedReport = { status: 'loading'; id: string } | { status: 'ready'; id: string; report: Report } | { status: 'failed'; id: string; error: HumanError };

/** Two runs side by side: `before` is the one that finished first. */
export type Comparison = { status: 'loading'; ids: readonly [string, string] } | { status: 'ready'; before: Report; after: Report } | { status: 'failed'; error: HumanError };

export interface HistoryState {
  status: 'idle' | 'loading' | 'ready' | 'failed';
  /** Newest first, as main lists them. */
  entries: readonly HistoryEntry[];
  /** Damaged files main moved aside while listing, each a sentence. */
  notices: readonly string[];
  error: HumanError | null;
  opened: OpenedReport | null;
  /** The runs ticked for a comparison, in the order they were ticked. */
  selected: readonly string[];
  comparison: Comparison | null;
  /** A clear is in flight. */
  clearing: boolean;
  /** What the last clear did, or why it did not. */
  outcome: ActionOutcome | null;
}

/** The calls the history needs: a narrow port, so a test can give just these. */
export type HistoryApi = Pick<PortwiseApi, 'listHistory' | 'getHistoryReport' | 'clearHistory'>;

export interface History {
  store: StoreApi<HistoryState>;
  load(): Promise<void>;
  /** Opens one report read-only (the list stays loaded behind it). */
  open(id: string): Promise<void>;
  /** Ticks or unticks a run for the comparison. */
  toggle(id: string): void;
  /** Compares the two ticked runs, when `comparable` says they can be. */
  compare(): Promise<void>;
  /** Back to the list from a report or a comparison. */
  back(): void;
  /** Removes every saved report (the screen asks first), then lists again. */
  clear(): Promise<void>;
}

/** Whether the ticked runs can be compared, and if not, a sentence that says why. */
export function comparable(entries: readonly HistoryEntry[], selected: readonly string[]): { ok: true; ids: [string, string] } | { ok: false; reason: string } {
  const picked = selected.flatMap((id) => entries.filter((e) => e.id === id));
  if (picked.length < 2) return { ok: false, reason: picked.length === 0 ? 'Tick two runs of the same target to compare them.' : 'Tick one more run of the same target to compare.' };
  if (picked.length > 2) return { ok: false, reason: `${picked.length} runs are ticked: a comparison takes exactly two.` };
  const [a, b] = picked as [HistoryEntry, HistoryEntry];
  if (a.target.toLowerCase() !== b.target.toLowerCase()) return { ok: false, reason: `The two runs are of different targets (${a.target} and ${b.target}): compare two runs of the same target.` };
  return { ok: true, ids: [a.id, b.id] };
}

/** The filter box: a run matches when its target or what was typed contains the text (case-insensitive). */
export function entryMatches(entry: HistoryEntry, text: string): boolean {
  const needle = text.trim().toLowerCase();
  return needle === '' || entry.target.toLowerCase().includes(needle) || entry.input.toLowerCase().includes(needle);
}

export function createHistory(api: HistoryApi): History {
  const store = createStore<HistoryState>()(() => ({
    status: 'idle',
    entries: [],
    notices: [],
    error: null,
    opened: null,
    selected: [],
    comparison: null,
    clearing: false,
    outcome: null,
  }));

  async function load(): Promise<void> {
    store.setState({ status: 'loading', error: null });
    try {
      const listed = await api.listHistory({});
      if (!listed.ok) {
        store.setState({ status: 'failed', error: { message: listed.message, detail: '' } });
        return;
      }
      const ids = new Set(listed.entries.map((e) => e.id));
      // A run that is gone (cleared elsewhere, pruned by the limit) cannot stay ticked.
      store.setState({ status: 'ready', entries: listed.entries, notices: listed.notices, selected: store.getState().selected.filter((id) => ids.has(id)) });
    } catch (error) {
      store.setState({ status: 'failed', error: { message: 'Portwise could not read the history.', detail: describeThrown(error) } });
    }
  }

  /** One report, or why it could not be read, as a sentence. */
  async function fetchReport(id: string): Promise<{ ok: true; report: Report } | { ok: false; error: HumanError }> {
    try {
      const got = await api.getHistoryReport({ id });
      return got.ok ? got : { ok: false, error: { message: got.error.message, detail: got.error.code } };
    } catch (error) {
      return { ok: false, error: { message: 'Portwise could not read the saved report.', detail: describeThrown(error) } };
    }
  }

  async function open(id: string): Promise<void> {
    store.setState({ opened: { status: 'loading', id }, comparison: null });
    const got = await fetchReport(id);
    // The person may have gone back, or opened another, while this one was read.
    const current = store.getState().opened;
    if (current?.status !== 'loading' || current.id !== id) return;
    store.setState({ opened: got.ok ? { status: 'ready', id, report: got.report } : { status: 'failed', id, error: got.error } });
  }

  function toggle(id: string): void {
    const { selected } = store.getState();
    store.setState({ selected: selected.includes(id) ? selected.filter((s) => s !== id) : [...selected, id] });
  }

  async function compare(): Promise<void> {
    const check = comparable(store.getState().entries, store.getState().selected);
    if (!check.ok) return;
    const ids = check.ids;
    store.setState({ comparison: { status: 'loading', ids }, opened: null });
    const [a, b] = await Promise.all(ids.map(fetchReport));
    const current = store.getState().comparison;
    if (current?.status !== 'loading' || current.ids !== ids) return;
    if (!a?.ok || !b?.ok) {
      const failed = [a, b].find((r) => r && !r.ok) as { ok: false; error: HumanError };
      store.setState({ comparison: { status: 'failed', error: failed.error } });
      return;
    }
    const [before, after] = olderFirst(a.report, b.report);
    store.setState({ comparison: { status: 'ready', before, after } });
  }

  function back(): void {
    store.setState({ opened: null, comparison: null });
  }

  async function clear(): Promise<void> {
    if (store.getState().clearing) return;
    store.setState({ clearing: true, outcome: null });
    try {
      const cleared = await api.clearHistory({});
      store.setState(
        cleared.ok
          ? { clearing: false, selected: [], opened: null, comparison: null, outcome: { ok: true, message: cleared.removed === 1 ? 'Removed 1 report.' : `Removed ${cleared.removed} reports.` } }
          : { clearing: false, outcome: { ok: false, message: cleared.message } },
      );
    } catch (error) {
      store.setState({ clearing: false, outcome: { ok: false, message: `Portwise could not clear the history: ${describeThrown(error).split('\n')[0]}` } });
    }
    await load();
  }

  return { store, load, open, toggle, compare, back, clear };
}
