import { describe, expect, it } from 'vitest';
import type { ConnectStatus, ProbeAttempt, ResolvedAddress } from '../../../shared/common/schema/probe';
import type { AddressRow } from '../../../renderer/state/run';
import { formatTick, layoutTimeline, niceStep, TIMELINE_GEOMETRY, type TimelineLayout } from '../../../renderer/lib/probe-timeline';

const T0 = 1_700_000_000_000;
const V6_LONG = '2001:db8:85a3:1234:5678:8a2e:370:7334';

function resolved(address: string): ResolvedAddress {
  return { address, family: address.includes(':') ? 6 : 4, sources: ['dns'], loopback: false, localInterface: null };
}

function attempt(address: string, round: number, status: ConnectStatus, startedAt: number, ms: number): ProbeAttempt {
  return {
    address,
    family: address.includes(':') ? 6 : 4,
    port: 5432,
    round,
    startedAt,
    ms,
    status,
    errno: status === 'refused' ? 'ECONNREFUSED' : status === 'timeout' ? 'ETIMEDOUT' : null,
    detail: '',
    afterConnect: false,
    banner: null,
  };
}

function row(address: string, attempts: readonly ProbeAttempt[] = []): AddressRow {
  return { address: resolved(address), attempts: Object.fromEntries(attempts.map((a) => [a.round, a])) };
}

/** Three rounds, 3 s timeout, 500 ms apart: one address refuses at once, one times out. */
function threeRounds(): AddressRow[] {
  const starts = [T0, T0 + 3_500, T0 + 7_000];
  return [
    row('198.18.0.5', starts.map((s, i) => attempt('198.18.0.5', i + 1, 'refused', s + 1, 0.31))),
    row(V6_LONG, starts.map((s, i) => attempt(V6_LONG, i + 1, 'timeout', s, 3_000.4))),
  ];
}

const options = { rounds: 3, timeoutMs: 3_000, width: 760, running: false };

function size(layout: TimelineLayout) {
  return { width: layout.width, height: layout.height, columns: layout.columns.map((c) => [c.x, c.w]), ticks: layout.ticks, lanes: layout.lanes.map((l) => [l.y, l.h]) };
}

describe('layoutTimeline', () => {
  it('has one lane per address, in order, at increasing heights', () => {
    const rows = ['198.18.0.1', '198.18.0.2', '198.18.0.3', 'fe80::1', V6_LONG].map((a) => row(a));
    const layout = layoutTimeline(rows, options);
    expect(layout.lanes.map((l) => l.address)).toEqual(rows.map((r) => r.address.address));
    for (let i = 1; i < layout.lanes.length; i++) expect(layout.lanes[i]!.y).toBeGreaterThanOrEqual(layout.lanes[i - 1]!.y + layout.lanes[i - 1]!.h);
    expect(layout.height).toBeGreaterThanOrEqual(layout.lanes.at(-1)!.y + layout.lanes.at(-1)!.h);
  });

  it('places the marks of a lane in time order, left to right, one column per round', () => {
    const layout = layoutTimeline(threeRounds(), options);
    for (const lane of layout.lanes) {
      expect(lane.marks.map((m) => m.round)).toEqual([1, 2, 3]);
      for (let i = 1; i < lane.marks.length; i++) {
        expect(lane.marks[i]!.offsetMs).toBeGreaterThan(lane.marks[i - 1]!.offsetMs);
        expect(lane.marks[i]!.x).toBeGreaterThanOrEqual(lane.marks[i - 1]!.x + lane.marks[i - 1]!.w);
      }
      lane.marks.forEach((m) => {
        const column = layout.columns[m.round - 1]!;
        expect(m.x).toBeGreaterThanOrEqual(column.x);
        expect(m.x + m.w).toBeLessThanOrEqual(column.x + column.w + 1e-9);
      });
    }
    // Within a round, the attempt that started later is drawn further right.
    const [refused, timedOut] = layout.lanes;
    expect(refused!.marks[0]!.x).toBeGreaterThan(timedOut!.marks[0]!.x);
  });

  it('gives a sub-millisecond refusal the minimum width, and a timeout its whole column', () => {
    const layout = layoutTimeline(threeRounds(), options);
    const column = layout.columns[0]!;
    const refusal = layout.lanes[0]!.marks[0]!;
    const scale = column.w / options.timeoutMs;
    expect(0.31 * scale).toBeLessThan(1);
    expect(refusal.w).toBeGreaterThanOrEqual(TIMELINE_GEOMETRY.minMarkWidth);
    const timeout = layout.lanes[1]!.marks[0]!;
    // The attempt outlasted the timeout by a fraction of a millisecond: it is clipped to the column.
    expect(timeout.x).toBe(column.x);
    expect(timeout.w).toBeCloseTo(column.w, 6);
  });

  it('reserves the full size for every round before the first attempt, and keeps it as attempts stream in', () => {
    const full = threeRounds();
    const running = { ...options, running: true };
    const empty = full.map((r) => row(r.address.address));
    const before = size(layoutTimeline(empty, running));
    expect(layoutTimeline(empty, running).columns).toHaveLength(3);
    // Stream the attempts in the order the engine sends them: round by round.
    const order = [1, 2, 3].flatMap((round) => full.map((r, lane) => ({ lane, attempt: r.attempts[round]! })));
    const rows = empty.map((r) => ({ ...r, attempts: { ...r.attempts } }));
    for (const { lane, attempt: a } of order) {
      rows[lane] = { ...rows[lane]!, attempts: { ...rows[lane]!.attempts, [a.round]: a } };
      expect(size(layoutTimeline(rows, running))).toEqual(before);
    }
    expect(size(layoutTimeline(rows, { ...options, running: false }))).toEqual(before);
  });

  it('says which round is in flight while running, and which never ran once stopped', () => {
    const rows = [row('198.18.0.5', [attempt('198.18.0.5', 1, 'refused', T0, 0.2)])];
    const live = layoutTimeline(rows, { ...options, running: true }).lanes[0]!;
    expect(live.gaps.map((g) => [g.round, g.active, g.text])).toEqual([
      [2, true, 'probing…'],
      [3, false, ''],
    ]);
    const stopped = layoutTimeline(rows, options).lanes[0]!;
    expect(stopped.gaps.map((g) => [g.round, g.active, g.text])).toEqual([
      [2, false, 'not probed'],
      [3, false, 'not probed'],
    ]);
  });

  it('with no address yet, keeps one empty lane and says why', () => {
    const running = layoutTimeline([], { ...options, running: true });
    const done = layoutTimeline([], options);
    expect(running.lanes).toEqual([]);
    expect(running.empty).toBe('Waiting for the addresses…');
    expect(done.empty).toBe('No address was probed.');
    expect(running.plotBottom - running.plotTop).toBe(TIMELINE_GEOMETRY.laneHeight);
    expect(layoutTimeline([row('198.18.0.5')], options).empty).toBeNull();
  });

  it('cuts a long IPv6 address in the middle and keeps the full text', () => {
    const lane = layoutTimeline([row(V6_LONG)], options).lanes[0]!;
    expect(lane.address).toBe(V6_LONG);
    expect(lane.label.length).toBeLessThanOrEqual(TIMELINE_GEOMETRY.labelChars);
    expect(lane.label).toContain('…');
    expect(lane.label.startsWith('2001:db8')).toBe(true);
    expect(lane.label.endsWith('7334')).toBe(true);
  });

  it('labels every mark with its round, status word, duration and errno, and writes a glyph at it', () => {
    const mark = layoutTimeline(threeRounds(), options).lanes[0]!.marks[1]!;
    expect(mark.label).toBe('Round 2, 198.18.0.5: Refused after 0.3 ms (ECONNREFUSED), started at +3.50 s.');
    expect(mark.text.startsWith('✕')).toBe(true);
    expect(mark.tone).toBe('bad');
    const timeout = layoutTimeline(threeRounds(), options).lanes[1]!.marks[0]!;
    expect(timeout.textInside).toBe(true);
    expect(timeout.text).toContain('timed out');
    expect(timeout.tone).toBe('warn');
  });

  it('marks every round start relative to the first attempt, and ticks each column from 0 to the timeout', () => {
    const layout = layoutTimeline(threeRounds(), options);
    expect(layout.columns.map((c) => c.start)).toEqual(['starts +0 ms', 'starts +3.50 s', 'starts +7.00 s']);
    for (const column of layout.columns) {
      const inside = layout.ticks.filter((t) => t.x >= column.x - 1e-9 && t.x <= column.x + column.w + 1e-9);
      expect(inside[0]).toMatchObject({ x: column.x, label: '0', anchor: 'start' });
      expect(inside.at(-1)).toMatchObject({ label: '3 s', anchor: 'end' });
      expect(inside.at(-1)!.x).toBeCloseTo(column.x + column.w, 6);
    }
  });

  it('grows wider than asked rather than squeeze ten rounds below a readable column', () => {
    const layout = layoutTimeline([row('198.18.0.5')], { ...options, rounds: 10, width: 400 });
    expect(layout.columns).toHaveLength(10);
    expect(layout.columns[0]!.w).toBe(TIMELINE_GEOMETRY.minColumnWidth);
    expect(layout.width).toBeGreaterThan(400);
  });

  it('sums the picture up in one sentence', () => {
    expect(layoutTimeline(threeRounds(), options).summary).toBe('Connection attempts over time: 6 attempts to 2 addresses, 3 refused, 3 timed out.');
    expect(layoutTimeline([row('198.18.0.5')], { ...options, running: true }).summary).toBe(
      'Connection attempts over time: 0 attempts to 1 address; still probing.',
    );
  });

  it('is deterministic', () => {
    expect(layoutTimeline(threeRounds(), options)).toEqual(layoutTimeline(threeRounds(), options));
  });
});

describe('axis helpers', () => {
  it('niceStep picks 1, 2 or 5 times a power of ten', () => {
    expect(niceStep(3000, 3)).toBe(1000);
    expect(niceStep(3000, 2)).toBe(2000);
    expect(niceStep(10_000, 4)).toBe(5000);
    expect(niceStep(250, 5)).toBe(50);
  });

  it('formatTick writes ms below a second and trimmed seconds above', () => {
    expect([0, 250, 1000, 1500, 2250, 10_000].map(formatTick)).toEqual(['0', '250 ms', '1 s', '1.5 s', '2.25 s', '10 s']);
  });
});
