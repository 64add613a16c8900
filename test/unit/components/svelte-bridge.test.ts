// @vitest-environment node
// No DOM here (the store and its bridge are plain objects): Node is enough, and faster than jsdom.
import { describe, expect, it } from 'vitest';
import { get } from 'svelte/store';
import { createStore } from 'zustand/vanilla';
import { select, shallowEqual, toReadable } from '../../../renderer/state/svelte-bridge';

interface S {
  count: number;
  name: string;
  list: readonly number[];
}

const newStore = () => createStore<S>()(() => ({ count: 0, name: 'a', list: [] }));

describe('toReadable', () => {
  it('gives the current state at once on subscribe (Svelte contract), then every change, and stops on unsubscribe', () => {
    const store = newStore();
    store.setState({ count: 5 });
    const seen: number[] = [];
    const stop = toReadable(store).subscribe((s) => seen.push(s.count));
    expect(seen).toEqual([5]);
    store.setState({ count: 6 });
    store.setState({ count: 7 });
    expect(seen).toEqual([5, 6, 7]);
    stop();
    store.setState({ count: 8 });
    expect(seen).toEqual([5, 6, 7]);
  });

  it('reads the state of the moment, not the state when the readable was made', () => {
    const store = newStore();
    const readable = toReadable(store);
    store.setState({ name: 'later' });
    expect(get(readable).name).toBe('later');
  });
});

describe('select', () => {
  it('hears only changes of its slice', () => {
    const store = newStore();
    const seen: string[] = [];
    const stop = select(store, (s) => s.name).subscribe((n) => seen.push(n));
    store.setState({ count: 1 });
    store.setState({ count: 2 });
    store.setState({ name: 'b' });
    store.setState({ name: 'b', count: 3 });
    stop();
    expect(seen).toEqual(['a', 'b']);
  });

  it('with shallowEqual, a selector that builds a new object each time is quiet until a field changes', () => {
    const store = newStore();
    const list = [1];
    store.setState({ list });
    const seen: { name: string; list: readonly number[] }[] = [];
    const stop = select(store, (s) => ({ name: s.name, list: s.list }), shallowEqual).subscribe((v) => seen.push(v));
    store.setState({ count: 1 });
    store.setState({ list });
    expect(seen).toHaveLength(1);
    store.setState({ list: [1] });
    expect(seen).toHaveLength(2);
    stop();
  });

  it('without an equality check, a new object on every change is heard every time (why shallowEqual exists)', () => {
    const store = newStore();
    const seen: unknown[] = [];
    const stop = select(store, (s) => ({ name: s.name })).subscribe((v) => seen.push(v));
    store.setState({ count: 1 });
    stop();
    expect(seen).toHaveLength(2);
  });

  it('starts from the state at subscription, even when it changed after the readable was made', () => {
    const store = newStore();
    const name = select(store, (s) => s.name);
    store.setState({ name: 'z' });
    expect(get(name)).toBe('z');
  });
});

describe('shallowEqual', () => {
  it.each([
    [{ a: 1, b: 'x' }, { a: 1, b: 'x' }, true],
    [{ a: 1 }, { a: 2 }, false],
    [{ a: 1 }, { a: 1, b: undefined }, false],
    [{ a: [1] }, { a: [1] }, false],
    [null, null, true],
    [null, {}, false],
    [1, 1, true],
    [Number.NaN, Number.NaN, true],
    ['a', 'b', false],
  ])('%j vs %j -> %s', (a, b, expected) => {
    expect(shallowEqual(a as unknown, b as unknown)).toBe(expected);
  });
});
