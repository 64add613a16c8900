// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import { tick } from 'svelte';
import OfflineNotice from '../../../renderer/components/OfflineNotice.svelte';
import { useDom } from './harness';

useDom();

function setOnline(value: boolean) {
  Object.defineProperty(window.navigator, 'onLine', { configurable: true, get: () => value });
  window.dispatchEvent(new Event(value ? 'online' : 'offline'));
}

describe('OfflineNotice', () => {
  it('is an empty status region while online, says so when the computer goes offline, and clears when it is back', async () => {
    setOnline(true);
    render(OfflineNotice);
    const status = screen.getByRole('status');
    expect(status.textContent?.trim()).toBe('');
    setOnline(false);
    await tick();
    expect(screen.getByRole('heading', { name: 'This computer is offline' })).toBeTruthy();
    expect(status.textContent).toContain('Probes to other machines will fail as unreachable');
    setOnline(true);
    await tick();
    expect(status.textContent?.trim()).toBe('');
  });
});
