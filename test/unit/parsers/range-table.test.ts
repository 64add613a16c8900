import { describe, expect, it } from 'vitest';
import { lineCount } from '../../../shared/common/parsers/lines';
import { internRange, RangeTable } from '../../../shared/common/parsers/range-table';

describe('RangeTable', () => {
  it('finds a value by the content of a range, wherever the range is', () => {
    const table = new RangeTable<number>(16);
    table.set('nginx', 1);
    const text = 'users:(("nginx",pid=1)) ("nginx",pid=2) ("nginz"';
    expect(table.get(text, 9, 14)).toBe(1);
    expect(table.get(text, 26, 31)).toBe(1);
    expect(table.get(text, 42, 47)).toBeNull();
    expect(table.get(text, 9, 13)).toBeNull(); // a prefix is another key
    expect(table.get('', 0, 0)).toBeNull();
  });

  it('keeps every key as it grows, and none past its limit', () => {
    const table = new RangeTable<string>(1000);
    const keys = Array.from({ length: 1200 }, (_, i) => `198.18.${i >> 8}.${i & 255}`);
    for (const key of keys) table.set(key, `v${key}`);
    const kept = keys.filter((key) => table.get(`>${key}<`, 1, key.length + 1) === `v${key}`);
    // A key whose slots are all taken is dropped (and found null, never wrong); nearly all fit.
    expect(kept.length).toBeGreaterThan(990);
    expect(kept.length).toBeLessThanOrEqual(1000);
    for (const key of keys) expect([null, `v${key}`]).toContain(table.get(key, 0, key.length));
  });

  it('holds the empty key', () => {
    const table = new RangeTable<string>(4);
    table.set('', 'empty');
    expect(table.get('abc', 1, 1)).toBe('empty');
  });
});

describe('internRange', () => {
  it('returns the text of a range, the same string for every range of that content', () => {
    const table = new RangeTable<string>(8);
    const text = '/system.slice/nginx.service /system.slice/nginx.service';
    const first = internRange(table, text, 0, 27);
    const second = internRange(table, text, 28, 55);
    expect(first).toBe('/system.slice/nginx.service');
    expect(second).toBe(first);
    expect(internRange(table, text, 1, 7)).toBe('system');
  });

  it('still returns the text when the table is full', () => {
    const table = new RangeTable<string>(1);
    expect(internRange(table, 'ab', 0, 1)).toBe('a');
    expect(internRange(table, 'ab', 1, 2)).toBe('b');
    expect(internRange(table, 'ab', 1, 2)).toBe('b');
  });
});

describe('lineCount', () => {
  it('counts newlines plus one, as split("\\n") counts lines', () => {
    for (const text of ['', 'a', 'a\n', '\n', 'a\nb\n\nc', 'a\r\nb\r\n', '\n\n\n']) expect(lineCount(text)).toBe(text.split('\n').length);
  });
});
