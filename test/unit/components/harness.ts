import { afterEach, beforeEach } from 'vitest';
import { cleanup, render, setup } from '@testing-library/svelte';
import type { Component } from 'svelte';
import { appContext } from '../../../renderer/state/context';
import { createKnownHosts } from '../../../renderer/state/known-hosts';
import { createProfiles } from '../../../renderer/state/profiles';
import { createHistory } from '../../../renderer/state/history';
import { createFleet } from '../../../renderer/state/fleet';
import type { PortwiseApi } from '../../../shared/common/ipc';
import { FakeApi } from './fake-api';
import type { Wizard } from '../../../renderer/state/wizard';

export { FakeApi, finishedWizard, realReport } from './fake-api';

/** What component tests share: Testing Library's setup and cleanup around each test, and rendering with the wizard in context. */

/**
 * jsdom has no layout, so no ResizeObserver, which Svelte's `bind:clientWidth` needs (the probe
 * timeline measures its box). An observer that never reports keeps the component at its default width.
 */
class InertResizeObserver {
  observe(): void {}
  unobserve(): void {}
  disconnect(): void {}
}

/** Registers Testing Library's per-test setup and cleanup (the unit project has no globals). */
export function useDom(): void {
  beforeEach(async () => {
    globalThis.ResizeObserver ??= InertResizeObserver;
    await setup();
  });
  afterEach(() => {
    cleanup();
  });
}

/** Renders with the app's whole context; the profile, known-hosts, history and fleet stores talk to `api` (a fresh fake by default). */
export function renderWithWizard(component: Component<Record<string, never>>, wizard: Wizard, api: PortwiseApi = new FakeApi().api) {
  return render(component, { context: appContext(wizard, createKnownHosts(api), createProfiles(api), createHistory(api), createFleet(api)) });
}

