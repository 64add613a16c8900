// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import ActionOutcome from '../../../renderer/components/ActionOutcome.svelte';
import { useDom } from './harness';

useDom();

describe('ActionOutcome', () => {
  it('is an empty live region until an action ends', () => {
    render(ActionOutcome, { outcome: null });
    const status = screen.getByRole('status');
    expect(status.getAttribute('aria-live')).toBe('polite');
    expect(status.textContent?.trim()).toBe('');
  });

  it('says a success and a refusal in their own styles', async () => {
    const view = render(ActionOutcome, { outcome: { ok: true, message: 'Saved "db".' } });
    expect(screen.getByText('Saved "db".').className).toContain('ok');
    await view.rerender({ outcome: { ok: false, message: 'The file is read-only.' } });
    expect(screen.getByText('The file is read-only.').className).toContain('refused');
    expect(screen.queryByText('Saved "db".')).toBeNull();
  });

  it('shows the message as text, never as markup', () => {
    render(ActionOutcome, { outcome: { ok: false, message: '<img src=x onerror="window.__pwned=1">' } });
    expect(screen.getByRole('status').querySelector('img')).toBeNull();
    expect(screen.getByRole('status').textContent).toContain('<img src=x');
  });
});
