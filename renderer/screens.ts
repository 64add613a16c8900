import type { Component } from 'svelte';
import type { Screen } from './state/wizard';
import type * as LaterScreensModule from './later-screens';

/**
 * Every screen but the first (the target form) is in a chunk of its own: the window parses, compiles
 * and runs only the first screen's code before it can show it. That chunk is fetched right after the
 * first frame (`preloadScreens`), so opening a section later finds its code already there.
 */
export type LaterScreen = Exclude<Screen, 'target'>;

type LaterScreens = typeof LaterScreensModule;

let loading: Promise<LaterScreens> | null = null;
let loaded: LaterScreens | null = null;

/** Loads the chunk once; a failed load is tried again on the next call. */
function loadLaterScreens(): Promise<LaterScreens> {
  loading ??= import('./later-screens').then(
    (module) => (loaded = module),
    (error: unknown) => {
      loading = null;
      throw error;
    },
  );
  return loading;
}

function pick(screens: LaterScreens, screen: LaterScreen): Component {
  switch (screen) {
    case 'run':
      return screens.RunScreen;
    case 'known-hosts':
      return screens.KnownHostsScreen;
    case 'profiles':
      return screens.ProfilesScreen;
    case 'history':
      return screens.HistoryScreen;
    case 'fleet':
      return screens.FleetScreen;
  }
}

/**
 * The component itself once the chunk is loaded, so that `{#await}` shows it in the same update (no
 * frame without the screen); a promise only before the code has arrived.
 */
export function screenComponent(screen: LaterScreen): Component | Promise<Component> {
  return loaded ? pick(loaded, screen) : loadLaterScreens().then((screens) => pick(screens, screen));
}

/** Starts loading the later screens; a failure shows when one of them is opened, not here. */
export function preloadScreens(): void {
  loadLaterScreens().catch(() => undefined);
}
