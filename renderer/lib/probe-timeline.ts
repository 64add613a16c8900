import type { ConnectStatus, ProbeAttempt } from '../../shared/common/schema/probe';
import { nextRound, type AddressRow } from '../state/run';
import { attemptWord, formatMs, statusWord } from './format';
import { pictureGlyph, statusTone, truncateMiddle, type Tone } from './path-diagram';

/**
 * The probe timeline, as pure data: one lane per address, one column per round. Every address is
 * probed at the same moment in a round and the rounds follow each other (run-probes.ts), so each
 * column is one round's time, from its first connect up to the timeout; a mark starts where its
 * attempt started and is as long as it lasted. The columns exist from the start, sized by `rounds`
 * and `timeoutMs`, so nothing moves or grows as the attempts stream in.
 */

export interface TimelineOptions {
  rounds: number;
  timeoutMs: number;
  /** The drawing's width in CSS pixels (the component measures its box). */
  width: number;
  running: boolean;
}

export interface TimelineMark {
  round: number;
  status: ConnectStatus;
  tone: Tone;
  x: number;
  y: number;
  w: number;
  h: number;
  /** What is written at the mark (a glyph, then words when they fit); '' when nothing fits. */
  text: string;
  textX: number;
  /** Written on the mark (it is long enough) or just after it. */
  textInside: boolean;
  /** The attempt in one sentence: tooltip and text alternative. */
  label: string;
  /** Milliseconds from the first attempt of the whole run. */
  offsetMs: number;
}

/** A round an address has no attempt for: waiting, in flight, or never probed. */
export interface TimelineGap {
  round: number;
  x: number;
  w: number;
  text: string;
  active: boolean;
  label: string;
}

export interface TimelineLane {
  address: string;
  /** The address as drawn (cut to fit); `address` is the full text for the `<title>`. */
  label: string;
  family: 4 | 6;
  y: number;
  h: number;
  /** The mark's row inside the lane. */
  markY: number;
  marks: readonly TimelineMark[];
  gaps: readonly TimelineGap[];
}

export interface TimelineColumn {
  round: number;
  x: number;
  w: number;
  title: string;
  /** When the round started, from the run's first attempt ('' until it has). */
  start: string;
}

export interface TimelineTick {
  x: number;
  label: string;
  anchor: 'start' | 'middle' | 'end';
}

export interface TimelineLayout {
  width: number;
  height: number;
  /** The lanes' vertical extent (for grid lines). */
  plotTop: number;
  plotBottom: number;
  labelWidth: number;
  columns: readonly TimelineColumn[];
  ticks: readonly TimelineTick[];
  lanes: readonly TimelineLane[];
  /** Said in the empty lane when there is no address yet; null otherwise. */
  empty: string | null;
  /** The picture in one sentence (the SVG's title). */
  summary: string;
}

export const TIMELINE_GEOMETRY = {
  labelWidth: 172,
  headerHeight: 38,
  laneHeight: 30,
  markHeight: 14,
  axisHeight: 26,
  columnGap: 12,
  padRight: 8,
  /** A refusal takes well under a millisecond: without a floor it would not be seen at all. */
  minMarkWidth: 3,
  /** Below this a column cannot hold its ticks; the drawing is then wider than asked. */
  minColumnWidth: 44,
  /** 12px monospace for addresses; 11px sans for the words at the marks. */
  labelChars: 21,
  charWidth: 6.3,
  glyphWidth: 11,
  /** Room for a tick label: below it ticks are dropped. */
  tickSpacing: 56,
} as const;

/** The width used before the component has measured its box. */
export const TIMELINE_DEFAULT_WIDTH = 720;

/** 1, 2 or 5 times a power of ten: the smallest such step that gives at most `maxTicks` steps. */
export function niceStep(span: number, maxTicks: number): number {
  const raw = span / Math.max(1, maxTicks);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * magnitude >= raw) return m * magnitude;
  return 10 * magnitude;
}

/** An axis label: `0`, `250 ms`, `1.5 s`. */
export function formatTick(ms: number): string {
  if (ms === 0) return '0';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${Number((ms / 1000).toFixed(2))} s`;
}

/** A time from the run's first attempt: `+0 ms`, `+3.51 s`. */
export function formatOffset(ms: number): string {
  return ms <= 0 ? '+0 ms' : `+${formatMs(ms)}`;
}

function textWidth(text: string): number {
  const g = TIMELINE_GEOMETRY;
  // The glyph is the first character and is wider than a letter.
  return text.length === 0 ? 0 : g.glyphWidth + (text.length - 1) * g.charWidth;
}

function attemptsOf(row: AddressRow): ProbeAttempt[] {
  return Object.values(row.attempts).sort((a, b) => a.round - b.round);
}

export function attemptLabel(attempt: ProbeAttempt, offsetMs: number): string {
  const errno = attempt.errno ? ` (${attempt.errno})` : '';
  return `Round ${attempt.round}, ${attempt.address}: ${attemptWord(attempt)} after ${formatMs(attempt.ms)}${errno}, started at ${formatOffset(offsetMs)}.`;
}

/** Lays the timeline out. Pure: the same rows and options give the same picture. */
export function layoutTimeline(rows: readonly AddressRow[], options: TimelineOptions): TimelineLayout {
  const g = TIMELINE_GEOMETRY;
  const all = rows.flatMap(attemptsOf);
  const columnCount = Math.max(1, options.rounds, ...all.map((a) => a.round));
  const timeoutMs = Math.max(1, options.timeoutMs);
  const columnWidth = Math.max(
    g.minColumnWidth,
    (options.width - g.labelWidth - g.padRight - (columnCount - 1) * g.columnGap) / columnCount,
  );
  const width = g.labelWidth + columnCount * columnWidth + (columnCount - 1) * g.columnGap + g.padRight;
  const scale = columnWidth / timeoutMs;
  const columnX = (round: number) => g.labelWidth + (round - 1) * (columnWidth + g.columnGap);

  const firstStart = all.length > 0 ? Math.min(...all.map((a) => a.startedAt)) : 0;
  const roundStart = new Map<number, number>();
  for (const a of all) roundStart.set(a.round, Math.min(roundStart.get(a.round) ?? Infinity, a.startedAt));

  const columns: TimelineColumn[] = [];
  for (let round = 1; round <= columnCount; round++) {
    const start = roundStart.get(round);
    columns.push({ round, x: columnX(round), w: columnWidth, title: `Round ${round}`, start: start === undefined ? '' : `starts ${formatOffset(start - firstStart)}` });
  }

  const ticks: TimelineTick[] = [];
  const maxTicks = Math.max(1, Math.floor(columnWidth / g.tickSpacing));
  const step = niceStep(timeoutMs, maxTicks);
  for (const column of columns) {
    const values: number[] = [];
    for (let ms = 0; ms < timeoutMs - step * 0.4; ms += step) values.push(ms);
    // The column ends at the timeout, which always gets its tick.
    values.push(timeoutMs);
    values.forEach((ms, i) => {
      const anchor = i === 0 ? 'start' : i === values.length - 1 ? 'end' : 'middle';
      ticks.push({ x: column.x + ms * scale, label: formatTick(ms), anchor });
    });
  }

  const plotTop = g.headerHeight;
  const lanes: TimelineLane[] = rows.map((row, i) => {
    const y = plotTop + i * g.laneHeight;
    const markY = y + (g.laneHeight - g.markHeight) / 2;
    const attempts = attemptsOf(row);
    const marks = attempts.map((attempt): TimelineMark => {
      const x0 = columnX(attempt.round);
      const end = x0 + columnWidth;
      const start = roundStart.get(attempt.round) ?? attempt.startedAt;
      const x = Math.min(x0 + (attempt.startedAt - start) * scale, end - g.minMarkWidth);
      const w = Math.min(Math.max(g.minMarkWidth, attempt.ms * scale), end - x);
      const offsetMs = attempt.startedAt - firstStart;
      const glyph = pictureGlyph[attempt.status];
      const word = attemptWord(attempt).toLowerCase();
      const candidates = [`${glyph} ${word} · ${formatMs(attempt.ms)}`, `${glyph} ${word}`, glyph];
      let text = '';
      let textInside = false;
      let textX = x + w + 4;
      for (const candidate of candidates) {
        const need = textWidth(candidate);
        if (w >= need + 10) {
          text = candidate;
          textInside = true;
          textX = x + 5;
          break;
        }
        if (end - (x + w + 4) >= need) {
          text = candidate;
          break;
        }
      }
      return {
        round: attempt.round,
        status: attempt.status,
        tone: statusTone[attempt.status],
        x,
        y: markY,
        w,
        h: g.markHeight,
        text,
        textX,
        textInside,
        label: attemptLabel(attempt, offsetMs),
        offsetMs,
      };
    });
    const waitingFor = nextRound(row, columnCount);
    const gaps: TimelineGap[] = [];
    for (let round = 1; round <= columnCount; round++) {
      if (row.attempts[round]) continue;
      const active = options.running && waitingFor === round;
      const text = active ? 'probing…' : options.running ? '' : 'not probed';
      const label = `Round ${round}, ${row.address.address}: ${active ? 'probing' : options.running ? 'waiting' : 'not probed'}.`;
      gaps.push({ round, x: columnX(round), w: columnWidth, text, active, label });
    }
    return {
      address: row.address.address,
      label: truncateMiddle(row.address.address, g.labelChars),
      family: row.address.family,
      y,
      h: g.laneHeight,
      markY,
      marks,
      gaps,
    };
  });

  const laneCount = Math.max(1, lanes.length);
  const plotBottom = plotTop + laneCount * g.laneHeight;
  const empty = rows.length > 0 ? null : options.running ? 'Waiting for the addresses…' : 'No address was probed.';

  return {
    width,
    height: plotBottom + g.axisHeight,
    plotTop,
    plotBottom,
    labelWidth: g.labelWidth,
    columns,
    ticks,
    lanes,
    empty,
    summary: summarise(rows.length, all, options.running),
  };
}

function summarise(addresses: number, attempts: readonly ProbeAttempt[], running: boolean): string {
  if (addresses === 0) return running ? 'Connection attempts over time: waiting for the addresses.' : 'Connection attempts over time: no address was probed.';
  const counts = new Map<ConnectStatus, number>();
  for (const a of attempts) counts.set(a.status, (counts.get(a.status) ?? 0) + 1);
  const parts = [...counts].sort((a, b) => b[1] - a[1]).map(([s, c]) => `${c} ${statusWord[s].toLowerCase()}`);
  const head = `Connection attempts over time: ${attempts.length} attempt${attempts.length === 1 ? '' : 's'} to ${addresses} address${addresses === 1 ? '' : 'es'}`;
  return `${head}${parts.length > 0 ? `, ${parts.join(', ')}` : ''}${running ? '; still probing' : ''}.`;
}

/** The legend: every status, its glyph, word and tone, in the order a person reads them. */
export const timelineLegend: readonly { status: ConnectStatus; glyph: string; word: string; tone: Tone }[] = (
  ['connected', 'refused', 'timeout', 'unreachable', 'reset'] as const
).map((status) => ({ status, glyph: pictureGlyph[status], word: statusWord[status], tone: statusTone[status] }));
