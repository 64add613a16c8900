// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/svelte';
import RunProgress from '../../../renderer/components/RunProgress.svelte';
import type { Activity } from '../../../shared/common/schema/events';
import { useDom } from './harness';

useDom();

const now = Date.now();
const at = (ago: number) => new Date(now - ago).toISOString();
const activity = (a: Partial<Activity> & Pick<Activity, 'id' | 'stage' | 'label'>): Activity => ({ command: null, state: 'running', at: at(0), ms: null, ...a });

const stages = () => screen.getAllByRole('listitem').map((li) => li.textContent?.replace(/\s+/g, ' ').trim());

describe('RunProgress', () => {
  it('names the four stages in order, marks the running one as the current step and shows what runs now', () => {
    render(RunProgress, {
      props: {
        status: 'running',
        activities: [
          activity({ id: 'dns', stage: 'workstation', label: 'Looking up db', state: 'done', at: at(2000), ms: 10 }),
          activity({ id: 'skip', stage: 'login', label: 'x', state: 'done', at: at(1500), ms: 5 }),
          activity({ id: 'rules', stage: 'server', label: 'Firewall rules and counters', command: 'iptables-save -c', at: at(1200) }),
          activity({ id: 'ss', stage: 'server', label: 'Who listens on the port (ss)', command: "ss -tlnpe 'sport = :5432'", at: at(1100) }),
        ],
      },
    });
    const region = screen.getByRole('region', { name: 'Progress' });
    expect(within(region).getAllByRole('listitem')).toHaveLength(4);
    expect(stages()[0]).toMatch(/^✓ On this computer Done · /);
    const current = region.querySelector('[aria-current="step"]');
    expect(current?.textContent).toContain('On the server');
    expect(current?.textContent).toContain('0 of 2 done · Firewall rules and counters (+1 more)');
    const now = within(region).getByRole('group', { name: 'Running now' });
    expect(within(now).getByText("ss -tlnpe 'sport = :5432'").tagName).toBe('CODE');
    expect(within(now).getByText('Firewall rules and counters')).toBeTruthy();
    expect(stages()[3]).toContain('Waits for the evidence');
  });

  it('with more in flight than fits, shows two and says how many more: the box never grows', () => {
    const many = Array.from({ length: 6 }, (_, i) => activity({ id: `c${i}`, stage: 'server', label: `Command ${i}`, command: `cmd ${i}` }));
    render(RunProgress, { props: { status: 'running', activities: many } });
    const now = screen.getByRole('group', { name: 'Running now' });
    expect(now.querySelectorAll('p')).toHaveLength(3);
    within(now).getByText('and 4 more');
  });

  it('after a cancel: what was under way is stopped, the rest not reached, and the box says so', () => {
    render(RunProgress, {
      props: {
        status: 'cancelled',
        activities: [
          activity({ id: 'dns', stage: 'workstation', label: 'Looking up db', state: 'done', at: at(1000), ms: 10 }),
          activity({ id: 'hop-1', stage: 'login', label: 'Logging in to bastion', at: at(900) }),
        ],
      },
    });
    expect(stages()[1]).toContain('Stopped: Logging in to bastion');
    expect(stages()[2]).toContain('Not reached');
    within(screen.getByRole('group', { name: 'Running now' })).getByText(/^Cancelled in /);
  });

  it('announces stage changes politely, not every command', () => {
    render(RunProgress, { props: { status: 'running', activities: [activity({ id: 'dns', stage: 'workstation', label: 'Looking up db' })] } });
    const live = document.querySelector('[aria-live="polite"]');
    expect(live?.textContent).toBe('On this computer: running');
  });
});
