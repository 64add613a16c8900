// The screens after the first one, as one chunk: `screens.ts` imports it dynamically, never at start.
// zod comes in with this chunk only; its setting first (see zod-jitless.ts).
import './zod-jitless';
export { default as RunScreen } from './components/RunScreen.svelte';
export { default as KnownHostsScreen } from './components/KnownHostsScreen.svelte';
export { default as ProfilesScreen } from './components/ProfilesScreen.svelte';
export { default as HistoryScreen } from './components/HistoryScreen.svelte';
export { default as FleetScreen } from './components/FleetScreen.svelte';
