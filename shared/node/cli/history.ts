/**
 * `portwise history ...` and the saving of each finished diagnosis: the reports kept on this
 * computer (shared/node/store/history-store.ts), on the command line. The store decides what an id
 * is and what is damaged; this module turns its answers into lines and exit outcomes.
 */
import { ansiStyle, plainStyle, renderReportText, type TextStyle } from '../../common/report/text';
import type { Report } from '../../common/schema/report';
import { formatTarget, shown } from '../../common/schema/target';
import { errnoCode, fsErrorWords } from '../store/atomic-file';
import { historyDir, openHistoryStore, type HistoryEntry, type HistoryError, type HistoryStore } from '../store/history-store';
import type { HistoryAction } from './args';
import { pdfPrinterFor, writeReportFiles } from './report-files';

/**
 * main.ts maps these to exit codes: 0; 1 when no saved report has the id (or it is damaged), a file
 * could not be written or the folder could not be used; 2 for a mistake in the command (an id that
 * is not one, clear without --yes); 130 when an export was interrupted.
 */
export type HistoryOutcome = 'ok' | 'failed' | 'usage' | 'interrupted';

export interface HistoryIo {
  env: NodeJS.ProcessEnv;
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  onInterrupt(handler: () => void): void;
  cwd?: string;
}

const line = (io: HistoryIo, text: string): void => void io.stderr.write(`portwise: ${text}\n`);

/** A file system error in words; another error (a lock held too long) by its own sentence. */
function errorWords(error: unknown): string {
  if (errnoCode(error) === null && error instanceof Error) return shown(error.message.replace(/\.$/, ''), 300);
  return fsErrorWords(error);
}

/** Colour as diagnose decides it: the flag, then NO_COLOR, then whether stdout is a terminal. */
function styleFor(io: HistoryIo, color: boolean | null): TextStyle {
  const noColor = io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '';
  return (color ?? (!noColor && Boolean(io.stdout.isTTY))) ? ansiStyle : plainStyle;
}

/** `2026-11-24T15:12:27.093Z` -> `2026-11-24 15:12Z`: the minute, in UTC as saved. */
function finishedWords(finishedAt: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(finishedAt);
  return m ? `${m[1]} ${m[2]}Z` : shown(finishedAt, 30);
}

export function formatHistoryList(entries: readonly HistoryEntry[]): string {
  const header = ['ID', 'FINISHED', 'TARGET', 'OUTCOME', 'CAUSE'];
  const rows = entries.map((e) => [e.id, finishedWords(e.finishedAt), shown(e.target, 60), e.outcome, shown(e.cause, 60)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const row = (cells: readonly string[]) => `${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')}\n`;
  return [row(header), ...rows.map(row)].join('');
}

/** A target as `history list --target` compares it: host names in any case. */
const targetKey = (target: string): string => target.toLowerCase();

function notFound(io: HistoryIo, error: HistoryError): HistoryOutcome {
  if (error.code === 'bad-id') {
    line(io, `${error.message} "portwise history list" shows them.`);
    return 'usage';
  }
  line(io, `${shown(error.message, 400)} "portwise history list" shows the saved ones.`);
  return 'failed';
}

async function getReport(io: HistoryIo, store: HistoryStore, id: string): Promise<{ ok: true; report: Report } | { ok: false; outcome: HistoryOutcome }> {
  const found = await store.get(id);
  return found.ok ? found : { ok: false, outcome: notFound(io, found.error) };
}

type Handler<V extends HistoryAction['verb']> = (action: Extract<HistoryAction, { verb: V }>, io: HistoryIo, store: HistoryStore) => Promise<HistoryOutcome>;

const handlers: { [V in HistoryAction['verb']]: Handler<V> } = {
  list: async (action, io, store) => {
    const listing = await store.list();
    // A damaged file was moved aside: said on stderr, so --json output stays one document.
    for (const notice of listing.notices) line(io, shown(notice, 400));
    const wanted = action.target === null ? null : targetKey(formatTarget(action.target));
    const entries = wanted === null ? listing.entries : listing.entries.filter((e) => targetKey(e.target) === wanted);
    if (action.json) io.stdout.write(`${JSON.stringify({ entries }, null, 2)}\n`);
    else if (listing.entries.length === 0) io.stdout.write(`No saved reports in ${store.dir}: each diagnosis is saved when it finishes (unless --no-history).\n`);
    else if (entries.length === 0) io.stdout.write(`None of the ${listing.entries.length} saved report(s) is for ${formatTarget(action.target!)}.\n`);
    else io.stdout.write(formatHistoryList(entries));
    return 'ok';
  },
  show: async (action, io, store) => {
    const found = await getReport(io, store, action.id);
    if (!found.ok) return found.outcome;
    io.stdout.write(action.json ? `${JSON.stringify(found.report, null, 2)}\n` : renderReportText(found.report, styleFor(io, action.color)));
    return 'ok';
  },
  export: async (action, io, store) => {
    const found = await getReport(io, store, action.id);
    if (!found.ok) return found.outcome;
    const cwd = io.cwd ?? process.cwd();
    const controller = new AbortController();
    io.onInterrupt(() => controller.abort());
    const files = await writeReportFiles(found.report, action.reports, action.redact, cwd, { printPdf: pdfPrinterFor(action.reports, action.browser, io.env, cwd), signal: controller.signal });
    for (const text of files.lines) io.stderr.write(`${text}\n`);
    if (controller.signal.aborted) return 'interrupted';
    return files.failed ? 'failed' : 'ok';
  },
  clear: async (action, io, store) => {
    if (!action.yes) {
      const listing = await store.list();
      for (const notice of listing.notices) line(io, shown(notice, 400));
      const n = listing.entries.length;
      line(io, `history clear removes every saved report: ${n === 0 ? 'there are none' : `${n} report${n === 1 ? '' : 's'}`} in ${store.dir}. Run "portwise history clear --yes" to remove them.`);
      return 'usage';
    }
    const removed = await store.clear();
    io.stdout.write(`Removed ${removed} saved report${removed === 1 ? '' : 's'} from ${store.dir}.\n`);
    return 'ok';
  },
};

export async function runHistory(action: HistoryAction, io: HistoryIo): Promise<HistoryOutcome> {
  const store = openHistoryStore({ env: io.env });
  try {
    return await (handlers[action.verb] as Handler<HistoryAction['verb']>)(action, io, store);
  } catch (error) {
    // A disk failure (permissions, a full disk), not the user's typing: which folder, and why.
    line(io, `cannot use the history in ${store.dir}: ${errorWords(error)}.`);
    return 'failed';
  }
}

/**
 * After `diagnose` (and each server of `fleet`): the finished report saved in the history. A failure
 * is one line on stderr and changes nothing else (the diagnosis and its exit code stand). `announce`
 * false: the caller says the id itself (fleet puts it on the server's progress line).
 */
export async function saveToHistory(report: Report, io: Pick<HistoryIo, 'env' | 'stderr'>, style: TextStyle, announce = true): Promise<string | null> {
  try {
    const id = await openHistoryStore({ env: io.env }).save(report);
    if (announce) io.stderr.write(`${style.dim(`Saved in the history as ${id} ("portwise history show ${id}").`)}\n`);
    return id;
  } catch (error) {
    io.stderr.write(`portwise: the report was not saved in the history (${historyDir(io.env)}): ${errorWords(error)}.\n`);
    return null;
  }
}
