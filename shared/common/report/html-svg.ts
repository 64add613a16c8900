import { EvidenceStatus, type Diagnosis, type Evidence, type PathStep, type Report } from '../schema/report';
import { formatDuration, formatOffset, msBetween } from './times';

/**
 * The two pictures of the HTML report (html.ts), as inline SVG: the decision path, top to bottom,
 * and the evidence timeline. Each is laid out as pure data first (`layoutDecisionPath`,
 * `layoutEvidenceTimeline`), then written as markup, so a test can check the geometry directly.
 *
 * Nothing is measured (there is no browser here): text is wrapped by an estimated character width
 * and every height is computed from the number of lines. The markup is well-formed XML too, with
 * presentation attributes rather than classes for looks, so a picture copied out of the page on its
 * own still draws the same. This file also holds what html.ts shares with it (escaping, tones,
 * fonts, times), so that the two modules do not import each other.
 */

// ---------------------------------------------------------------------------------------------
// Shared with html.ts.

/** The app's light theme (renderer/styles/global.css): a printed report looks like the app. */
export const FONT_STACK = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'DejaVu Sans', sans-serif";
export const MONO_STACK = "ui-monospace, 'SFMono-Regular', 'Cascadia Mono', 'DejaVu Sans Mono', Menlo, Consolas, monospace";

export type Tone = 'ok' | 'bad' | 'warn' | 'info' | 'muted';

/** Foreground (text, strokes) and background of each tone; the app's `--ok`/`--ok-bg` and so on. */
export const TONE_COLOURS: Readonly<Record<Tone, { fg: string; bg: string }>> = {
  ok: { fg: '#1a6b34', bg: '#e5f3e9' },
  bad: { fg: '#a4261d', bg: '#fbe9e7' },
  warn: { fg: '#7f5300', bg: '#fdf1d6' },
  info: { fg: '#1f5fbf', bg: '#e6eefb' },
  muted: { fg: '#56606b', bg: '#eef0f3' },
};

export const INK = '#1c2127';
export const INK_MUTED = '#56606b';
export const RULE = '#d3d8de';

/** How collecting a piece of evidence ended, as a colour: a failure red, a partial answer amber. */
export const statusTone: Readonly<Record<EvidenceStatus, Tone>> = {
  ok: 'ok',
  error: 'bad',
  timeout: 'warn',
  'needs-privilege': 'warn',
  unsupported: 'muted',
  skipped: 'muted',
};

const MARKUP_SPECIAL: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Characters that are no text: C0 and C1 controls, lone surrogates, noncharacters. In HTML they are
 * parse errors (even as character references) and in XML not allowed at all, and a raw output can
 * hold any of them (ANSI colours, a stray NUL). Tab, line feed and carriage return are text.
 */
const NOT_TEXT = /[\p{Cc}\p{Cs}\p{Noncharacter_Code_Point}]/gu;

/** A control as its Unicode "control picture" (ESC as ␛), so a reader sees that it was there. */
function visibleControl(c: string): string {
  if (c === '\t' || c === '\n' || c === '\r') return c;
  const code = c.codePointAt(0) ?? 0xfffd;
  if (code < 0x20) return String.fromCodePoint(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  return '\ufffd';
}

/**
 * Any text from the report, for HTML text, an attribute value (always double-quoted here) or SVG:
 * the five markup characters as references, so remote output is always shown and never parsed,
 * and controls as visible pictures. Only the five XML entities are used, so SVG stays valid XML.
 */
export function escapeMarkup(value: string): string {
  return value.replace(/[&<>"']/g, (c) => MARKUP_SPECIAL[c] ?? c).replace(NOT_TEXT, visibleControl);
}

// ---------------------------------------------------------------------------------------------
// Text without a browser to measure it.

/**
 * The average advance of a character, as a share of the font size. 0.6 is a monospace font's
 * exact advance and wider than the average of the system sans fonts, so an estimate errs on the
 * side of an extra line rather than text running out of its box.
 */
const CHAR_WIDTH = 0.6;

function charsThatFit(width: number, fontSize: number): number {
  return Math.max(8, Math.floor(width / (fontSize * CHAR_WIDTH)));
}

/** Greedy word wrap to `max` characters a line; a word longer than a line (a path, a hash) is cut. */
export function wrapText(text: string, max: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    for (const piece of chunks(word, max)) {
      if (line === '') line = piece;
      else if (line.length + 1 + piece.length <= max) line = `${line} ${piece}`;
      else {
        lines.push(line);
        line = piece;
      }
    }
  }
  if (line !== '') lines.push(line);
  return lines.length > 0 ? lines : [''];
}

function chunks(word: string, max: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < word.length; i += max) out.push(word.slice(i, i + max));
  return out;
}

/** Keeps both ends of a long label (an id's prefix and suffix both tell); the full text is in the `<title>`. */
export function truncateMiddle(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = Math.ceil((max - 1) / 2);
  return `${text.slice(0, head)}…${text.slice(text.length - (max - 1 - head))}`;
}

/** A number for an SVG attribute: short and the same on every run. */
function num(n: number): string {
  return String(Math.round(n * 10) / 10);
}

interface TextLine {
  text: string;
  x: number;
  y: number;
  size: number;
  fill: string;
  weight?: 'bold';
  anchor?: 'start' | 'middle' | 'end';
  mono?: boolean;
}

function textElement(t: TextLine): string {
  const attrs = [`x="${num(t.x)}"`, `y="${num(t.y)}"`, `font-size="${t.size}"`, `fill="${t.fill}"`];
  if (t.weight) attrs.push(`font-weight="${t.weight}"`);
  if (t.anchor && t.anchor !== 'start') attrs.push(`text-anchor="${t.anchor}"`);
  if (t.mono) attrs.push(`font-family="${escapeMarkup(MONO_STACK)}"`);
  return `<text ${attrs.join(' ')}>${escapeMarkup(t.text)}</text>`;
}

/** The root element: a fixed drawing width that scales down with the page (and onto paper). */
function svgElement(width: number, height: number, className: string, label: string, content: string[]): string {
  return [
    `<svg class="${className}" role="img" aria-label="${escapeMarkup(label)}" width="${width}" height="${num(height)}" viewBox="0 0 ${width} ${num(height)}" font-family="${escapeMarkup(FONT_STACK)}">`,
    ...content,
    '</svg>',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// The decision path: one box per step, the reason beside the arrow to the next, the cause last.

export const PATH_WIDTH = 720;
const PATH_MARGIN = 12;
const BOX_X = PATH_MARGIN;
const BOX_W = PATH_WIDTH - 2 * PATH_MARGIN;
const BOX_PAD = 9;
const TITLE_SIZE = 14;
const TITLE_LINE = 18;
const SUB_SIZE = 12;
const SUB_LINE = 16;
const REASON_SIZE = 12.5;
const REASON_LINE = 16;
/** The arrow runs down the boxes' left side, so the reason can sit beside it at full width. */
const ARROW_X = BOX_X + 24;
const REASON_X = ARROW_X + 14;
const MIN_ARROW = 26;

export interface PathBox {
  kind: 'step' | 'cause';
  x: number;
  y: number;
  w: number;
  h: number;
  tone: Tone | null;
  /** Decided by a person (an answer or an override): drawn dashed, so it stands out on paper in grey too. */
  dashed: boolean;
  titleLines: string[];
  /** Right-aligned on the first line: the step's node and where it went (`T3 → T6`), or the cause's id. */
  edge: string;
  /** Under the title, smaller: who decided, when a person did; the confidence of the cause. */
  subLines: string[];
  /** Under the box, beside the arrow to the next box; empty for the cause. */
  reasonLines: string[];
  /** The arrow from this box down to the next one (null for the last). */
  arrow: { x: number; y1: number; y2: number } | null;
  /** The box in one sentence, for its `<title>` (a tooltip, and what a screen reader may read). */
  label: string;
}

export interface PathLayout {
  width: number;
  height: number;
  boxes: PathBox[];
}

/** Who decided a step, in a few words (html.ts says it in full in the list). */
export function decidedByShort(step: PathStep): string {
  if (step.by === 'answer') return 'answered by a person';
  if (step.by === 'override') return 'overridden by a person';
  return 'decided by the evidence';
}

/** An override keeps both sides in the picture: the person's reason and where the evidence led. */
function stepReasonText(step: PathStep): string[] {
  if (step.by !== 'override') return [step.reason];
  const reason = step.overrideReason === null ? 'no reason given' : `“${step.overrideReason}”`;
  const automatic = step.automatic === null ? 'the evidence alone could not decide' : `the evidence alone led to ${step.automatic}`;
  return [step.reason, `Overridden by a person (${reason}); ${automatic}.`];
}

function causeTitle(d: Diagnosis): string {
  return d.cause === 'inconclusive' ? `Inconclusive: ${d.title}` : `Cause: ${d.title}`;
}

function causeSubtitle(d: Diagnosis): string {
  if (d.cause === 'inconclusive') return `${d.candidates.length} possible ${d.candidates.length === 1 ? 'cause' : 'causes'}; see the diagnosis`;
  return `${d.confidence} confidence`;
}

/** Title lines beside a right-aligned edge label: the title gets what the label leaves of the line. */
function titleBeside(title: string, edge: string): string[] {
  const edgeWidth = edge.length * SUB_SIZE * CHAR_WIDTH + 16;
  return wrapText(title, charsThatFit(BOX_W - 2 * BOX_PAD - edgeWidth, TITLE_SIZE));
}

export function layoutDecisionPath(path: readonly PathStep[], diagnosis: Diagnosis): PathLayout {
  const subMax = charsThatFit(BOX_W - 2 * BOX_PAD, SUB_SIZE);
  const reasonMax = charsThatFit(PATH_WIDTH - PATH_MARGIN - REASON_X, REASON_SIZE);
  const boxes: PathBox[] = [];
  let y = PATH_MARGIN;
  path.forEach((step, i) => {
    const edge = `${step.node} → ${step.next}`;
    const titleLines = titleBeside(`${i + 1}. ${step.title}`, edge);
    const subLines = step.by === 'evidence' ? [] : wrapText(decidedByShort(step), subMax);
    const reasonLines = stepReasonText(step).flatMap((t) => wrapText(t, reasonMax));
    const h = boxHeight(titleLines.length, subLines.length);
    const arrowLength = Math.max(MIN_ARROW, reasonLines.length * REASON_LINE + 12);
    const label = `Step ${i + 1}, ${step.node}: ${step.title}; ${decidedByShort(step)}; next ${step.next}. ${stepReasonText(step).join(' ')}`;
    boxes.push({ kind: 'step', x: BOX_X, y, w: BOX_W, h, tone: step.by === 'evidence' ? null : 'warn', dashed: step.by !== 'evidence', titleLines, edge, subLines, reasonLines, arrow: { x: ARROW_X, y1: y + h, y2: y + h + arrowLength }, label });
    y += h + arrowLength;
  });
  const titleLines = titleBeside(causeTitle(diagnosis), diagnosis.cause);
  const subLines = wrapText(causeSubtitle(diagnosis), subMax);
  const h = boxHeight(titleLines.length, subLines.length);
  const tone: Tone = diagnosis.cause === 'inconclusive' ? 'warn' : 'info';
  const label = `${causeTitle(diagnosis)} (${diagnosis.cause}, ${causeSubtitle(diagnosis)})`;
  boxes.push({ kind: 'cause', x: BOX_X, y, w: BOX_W, h, tone, dashed: false, titleLines, edge: diagnosis.cause, subLines, reasonLines: [], arrow: null, label });
  return { width: PATH_WIDTH, height: y + h + PATH_MARGIN, boxes };
}

function boxHeight(titleLines: number, subLines: number): number {
  return BOX_PAD + titleLines * TITLE_LINE + subLines * SUB_LINE + BOX_PAD;
}

function pathBoxMarkup(box: PathBox): string {
  const toned = box.tone ? TONE_COLOURS[box.tone] : null;
  const fill = toned && box.kind === 'cause' ? toned.bg : '#ffffff';
  const dash = box.dashed ? ' stroke-dasharray="6 4"' : '';
  const out = [
    `<g class="${box.kind}">`,
    `<title>${escapeMarkup(box.label)}</title>`,
    `<rect x="${num(box.x)}" y="${num(box.y)}" width="${num(box.w)}" height="${num(box.h)}" rx="6" fill="${fill}" stroke="${toned?.fg ?? INK_MUTED}" stroke-width="${box.kind === 'cause' ? 2 : 1.2}"${dash}/>`,
  ];
  const textX = box.x + BOX_PAD;
  // A baseline sits about three quarters of a line below the top of that line.
  let baseline = box.y + BOX_PAD + TITLE_SIZE;
  out.push(textElement({ text: box.edge, x: box.x + box.w - BOX_PAD, y: baseline, size: SUB_SIZE, fill: INK_MUTED, anchor: 'end', mono: true }));
  for (const line of box.titleLines) {
    out.push(textElement({ text: line, x: textX, y: baseline, size: TITLE_SIZE, fill: box.kind === 'cause' && toned ? toned.fg : INK, weight: 'bold' }));
    baseline += TITLE_LINE;
  }
  baseline -= TITLE_LINE - SUB_LINE;
  for (const line of box.subLines) {
    out.push(textElement({ text: line, x: textX, y: baseline, size: SUB_SIZE, fill: toned?.fg ?? INK_MUTED }));
    baseline += SUB_LINE;
  }
  if (box.arrow) out.push(...arrowMarkup(box.arrow), ...reasonMarkup(box));
  out.push('</g>');
  return out.join('\n');
}

/** A line and a drawn head (no `<marker>`: nothing in the picture refers to anything by id). */
function arrowMarkup(a: { x: number; y1: number; y2: number }): string[] {
  return [
    `<line x1="${num(a.x)}" y1="${num(a.y1)}" x2="${num(a.x)}" y2="${num(a.y2 - 6)}" stroke="${INK_MUTED}" stroke-width="1.5"/>`,
    `<polygon points="${num(a.x - 5)},${num(a.y2 - 8)} ${num(a.x + 5)},${num(a.y2 - 8)} ${num(a.x)},${num(a.y2)}" fill="${INK_MUTED}"/>`,
  ];
}

function reasonMarkup(box: PathBox): string[] {
  const top = box.y + box.h + 5;
  return box.reasonLines.map((line, i) => textElement({ text: line, x: REASON_X, y: top + REASON_SIZE + i * REASON_LINE, size: REASON_SIZE, fill: INK }));
}

/** The decision path as an inline SVG picture (html.ts lists the same steps as text right after). */
export function decisionPathSvg(path: readonly PathStep[], diagnosis: Diagnosis): string {
  const layout = layoutDecisionPath(path, diagnosis);
  const label = `Decision path: ${path.length} ${path.length === 1 ? 'step' : 'steps'}, ending at ${causeTitle(diagnosis)}. The same steps are listed below.`;
  return svgElement(layout.width, layout.height, 'decision-path', label, layout.boxes.map(pathBoxMarkup));
}

// ---------------------------------------------------------------------------------------------
// The evidence timeline: one row per evidence, a bar from its start for as long as it took.

export const TIMELINE_WIDTH = 720;
/** Wide enough for the engine's longest ids (`15. server:rules-ip6tables-legacy-before`). */
const LABEL_W = 270;
const PLOT_X = LABEL_W + 10;
const PLOT_W = TIMELINE_WIDTH - PLOT_X - 12;
const AXIS_H = 26;
const ROW_H = 22;
const BAR_H = 12;
const LABEL_SIZE = 11;
const MIN_BAR = 2;

export interface TimelineBar {
  /** 1-based, as the evidence is numbered in the details below the picture. */
  n: number;
  label: string;
  y: number;
  x: number;
  w: number;
  tone: Tone;
  /** Duration and, when not ok, the status: beside the bar, or on it when there is no room beside. */
  text: string;
  textX: number;
  textAnchor: 'start' | 'end';
  textOnBar: boolean;
  title: string;
}

export interface TimelineLayout {
  width: number;
  height: number;
  /** Milliseconds from the run's start that the plot's width stands for. */
  spanMs: number;
  ticks: { x: number; label: string }[];
  bars: TimelineBar[];
  rowsTop: number;
  legend: { status: EvidenceStatus; tone: Tone; x: number; y: number }[];
}

/** Where an evidence starts, from the run's start; an unreadable timestamp is drawn at 0 (its details say so). */
function startOffset(runStartedAt: string, e: Evidence): number {
  return Math.max(0, msBetween(runStartedAt, e.startedAt) ?? 0);
}

/** The plot spans the whole run: up to its end, or the last evidence's end if that is later. */
function timelineSpan(report: Report): number {
  const ends = report.evidence.map((e) => startOffset(report.startedAt, e) + e.ms);
  return Math.max(1, msBetween(report.startedAt, report.finishedAt) ?? 0, ...ends);
}

/** Round tick steps (1, 2 or 5 times a power of ten), about five across the plot. */
export function tickStep(spanMs: number): number {
  const rough = spanMs / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= rough) ?? 10 * power;
}

function tickLabel(ms: number, step: number): string {
  return step >= 1000 ? `${Number((ms / 1000).toFixed(3))} s` : `${Number(ms.toFixed(3))} ms`;
}

function barText(e: Evidence): string {
  return e.status === 'ok' ? formatDuration(e.ms) : `${formatDuration(e.ms)} · ${e.status}`;
}

export function layoutEvidenceTimeline(report: Report): TimelineLayout {
  const span = timelineSpan(report);
  const scale = PLOT_W / span;
  const step = tickStep(span);
  const ticks: TimelineLayout['ticks'] = [];
  for (let i = 0; i * step <= span * (1 + 1e-9); i++) ticks.push({ x: PLOT_X + i * step * scale, label: tickLabel(i * step, step) });
  const labelMax = charsThatFit(LABEL_W - 4, LABEL_SIZE);
  const bars = report.evidence.map((e, i): TimelineBar => {
    const offset = startOffset(report.startedAt, e);
    const x = PLOT_X + offset * scale;
    const w = Math.min(Math.max(MIN_BAR, e.ms * scale), PLOT_X + PLOT_W - x);
    const text = barText(e);
    const textW = text.length * LABEL_SIZE * CHAR_WIDTH;
    const y = AXIS_H + i * ROW_H;
    const placed = placeBarText(x, w, textW);
    const title = `Evidence ${i + 1}, ${e.id}: ${e.status}, took ${formatDuration(e.ms)}, ${formatOffset(msBetween(report.startedAt, e.startedAt))} after the start, on ${e.where}: ${e.command}`;
    return { n: i + 1, label: truncateMiddle(`${i + 1}. ${e.id}`, labelMax), y, x, w, tone: statusTone[e.status], text, ...placed, title };
  });
  const rowsEnd = AXIS_H + bars.length * ROW_H;
  const shown = EvidenceStatus.options.filter((s) => report.evidence.some((e) => e.status === s));
  const legend = shown.map((status, i) => ({ status, tone: statusTone[status], x: PLOT_X + i * 118, y: rowsEnd + 14 }));
  return { width: TIMELINE_WIDTH, height: rowsEnd + (legend.length > 0 ? 34 : 8), spanMs: span, ticks, bars, rowsTop: AXIS_H, legend };
}

/** Beside the bar when it fits before the edge, else on the bar if the bar is long enough, else before it. */
function placeBarText(x: number, w: number, textW: number): Pick<TimelineBar, 'textX' | 'textAnchor' | 'textOnBar'> {
  if (x + w + 6 + textW <= TIMELINE_WIDTH - 4) return { textX: x + w + 6, textAnchor: 'start', textOnBar: false };
  if (w >= textW + 12) return { textX: x + w - 6, textAnchor: 'end', textOnBar: true };
  return { textX: x - 6, textAnchor: 'end', textOnBar: false };
}

/** Every other row shaded, under the grid and the bars, so a label is easy to follow to its bar. */
function timelineZebraMarkup(layout: TimelineLayout): string[] {
  return layout.bars.filter((_, i) => i % 2 === 1).map((bar) => `<rect x="0" y="${num(bar.y)}" width="${TIMELINE_WIDTH}" height="${ROW_H}" fill="#f5f6f8"/>`);
}

function timelineBarMarkup(bar: TimelineBar): string {
  const colours = TONE_COLOURS[bar.tone];
  const out = [`<g class="bar">`, `<title>${escapeMarkup(bar.title)}</title>`];
  const mid = bar.y + ROW_H / 2;
  out.push(textElement({ text: bar.label, x: LABEL_W, y: mid + 4, size: LABEL_SIZE, fill: INK, anchor: 'end', mono: true }));
  out.push(`<rect x="${num(bar.x)}" y="${num(mid - BAR_H / 2)}" width="${num(bar.w)}" height="${BAR_H}" rx="2" fill="${colours.fg}"/>`);
  out.push(textElement({ text: bar.text, x: bar.textX, y: mid + 4, size: LABEL_SIZE - 0.5, fill: bar.textOnBar ? '#ffffff' : INK_MUTED, anchor: bar.textAnchor }));
  out.push('</g>');
  return out.join('\n');
}

function timelineAxisMarkup(layout: TimelineLayout): string[] {
  const bottom = layout.rowsTop + layout.bars.length * ROW_H;
  return layout.ticks.flatMap((t, i) => [
    `<line x1="${num(t.x)}" y1="${layout.rowsTop - 4}" x2="${num(t.x)}" y2="${num(bottom)}" stroke="${RULE}" stroke-width="1"/>`,
    // The last tick's label ends at the edge rather than running off it.
    textElement({ text: t.label, x: t.x, y: layout.rowsTop - 9, size: 11, fill: INK_MUTED, anchor: i === 0 ? 'start' : i === layout.ticks.length - 1 && t.x > TIMELINE_WIDTH - 30 ? 'end' : 'middle' }),
  ]);
}

function timelineLegendMarkup(layout: TimelineLayout): string[] {
  return layout.legend.flatMap((l) => [
    `<rect x="${num(l.x)}" y="${num(l.y)}" width="12" height="${BAR_H}" rx="2" fill="${TONE_COLOURS[l.tone].fg}"/>`,
    textElement({ text: l.status, x: l.x + 17, y: l.y + 10, size: 11, fill: INK }),
  ]);
}

/** The evidence timeline as an inline SVG picture; null without evidence (there is nothing to draw). */
export function evidenceTimelineSvg(report: Report): string | null {
  if (report.evidence.length === 0) return null;
  const layout = layoutEvidenceTimeline(report);
  const label = `Evidence timeline: ${report.evidence.length} ${report.evidence.length === 1 ? 'piece' : 'pieces'} of evidence over ${formatDuration(layout.spanMs)}, each drawn from when it started for as long as it took. The details follow.`;
  const content = [...timelineZebraMarkup(layout), ...timelineAxisMarkup(layout), ...layout.bars.map(timelineBarMarkup), ...timelineLegendMarkup(layout)];
  return svgElement(layout.width, layout.height, 'evidence-timeline', label, content);
}
