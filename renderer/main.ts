import { mount } from 'svelte';
import App from './App.svelte';
import NoEngine from './components/NoEngine.svelte';
import { createWizard } from './state/wizard';
import { appContext } from './state/context';
import { createKnownHosts } from './state/known-hosts';
import { createProfiles } from './state/profiles';
import { createHistory } from './state/history';
import './styles/global.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

const api = window.portwise;
if (api) {
  mount(App, { target, context: appContext(createWizard(api), createKnownHosts(api), createProfiles(api), createHistory(api)) });
} else {
  // Opened outside Portwise (a plain browser tab): there is no main process to talk to.
  mount(NoEngine, { target });
}
