import { readable, type Readable } from 'svelte/store';
import type { StoreApi } from 'zustand/vanilla';

/**
 * zustand/vanilla -> Svelte store contract (STYLE.md "zustand with Svelte 5"). zustand's `subscribe`
 * does not call the listener at once but Svelte's contract does, so the current state is set first.
 */
export function toReadable<S>(store: StoreApi<S>): Readable<S> {
  return readable(store.getState(), (set) => {
    set(store.getState());
    return store.subscribe((state) => set(state));
  });
}

/**
 * One slice of the store. Subscribers hear only when the slice changes by `equals`, so a probe event
 * does not re-render the form, nor a form change the table.
 */
export function select<S, T>(store: StoreApi<S>, selector: (state: S) => T, equals: (a: T, b: T) => boolean = Object.is): Readable<T> {
  return readable(selector(store.getState()), (set) => {
    let current = selector(store.getState());
    set(current);
    return store.subscribe((state) => {
      const next = selector(state);
      if (equals(current, next)) return;
      current = next;
      set(next);
    });
  });
}

/** Equality for small flat objects (a selector that picks a few fields into a new object). */
export function shallowEqual<T>(a: T, b: T): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ka = Object.keys(a) as (keyof T)[];
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.is(a[k], b[k]));
}
