// The screens after the first one, as one chunk: `screens.ts` imports it dynamically, never at start.
export { default as RunScreen } from './components/RunScreen.svelte';
export { default as KnownHostsScreen } from './components/KnownHostsScreen.svelte';
export { default as ProfilesScreen } from './components/ProfilesScreen.svelte';
export { default as HistoryScreen } from './components/HistoryScreen.svelte';
export { default as FleetScreen } from './components/FleetScreen.svelte';
