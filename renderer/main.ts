import { mount } from 'svelte';
import App from './App.svelte';
import NoEngine from './components/NoEngine.svelte';
import { createWizard } from './state/wizard';
import { appContext } from './state/context';
import { createKnownHosts } from './state/known-hosts';
import { createProfiles } from './state/profiles';
import { createHistory } from './state/history';
import { createFleet } from './state/fleet';
import { preloadScreens } from './screens';
import './styles/global.css';

// Every module of the first screen has been evaluated by now (imports run first). With the marks
// below, the renderer benchmark splits its figure into phases (test/bench/renderer.bench.test.ts).
performance.mark('portwise:script');

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

const api = window.portwise;
if (api) {
  mount(App, { target, context: appContext(createWizard(api), createKnownHosts(api), createProfiles(api), createHistory(api), createFleet(api)) });
  performance.mark('portwise:mounted');
  // The first screen is mounted; after the next frame it is painted and the main thread is free for
  // input. The renderer benchmark reads this mark (test/bench/renderer.bench.test.ts). Only then the
  // other screens' code is fetched: it never stands between the window and its first screen.
  requestAnimationFrame(() =>
    setTimeout(() => {
      performance.mark('portwise:interactive');
      preloadScreens();
    }),
  );
} else {
  // Opened outside Portwise (a plain browser tab): there is no main process to talk to.
  mount(NoEngine, { target });
}
