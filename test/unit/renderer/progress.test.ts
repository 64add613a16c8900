import { describe, expect, it } from 'vitest';
import type { Activity } from '../../../shared/common/schema/events';
import { elapsed, runningActivities, stageViews } from '../../../renderer/lib/progress';

const T0 = Date.parse('2026-11-24T10:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

function running(id: string, stage: Activity['stage'], startMs: number, label = id, command: string | null = null): Activity {
  return { id, stage, label, command, state: 'running', at: at(startMs), ms: null };
}
function ended(a: Activity, endMs: number, state: 'done' | 'failed' = 'done', label = a.label): Activity {
  return { ...a, label, state, at: at(endMs), ms: endMs - (Date.parse(a.at) - T0) };
}
const byStage = (views: ReturnType<typeof stageViews>) => Object.fromEntries(views.map((v) => [v.stage, [v.state, v.summary, v.ms]]));

describe('stageViews', () => {
  it('before anything: the first stage starts, the others wait and say for what', () => {
    expect(byStage(stageViews([], 'running', T0))).toEqual({
      workstation: ['waiting', 'Starting…', null],
      login: ['waiting', 'Waits for the probes', null],
      server: ['waiting', 'Waits for the login', null],
      decide: ['waiting', 'Waits for the evidence', null],
    });
  });

  it('a running stage shows what runs now and ticks with the clock', () => {
    const dns = running('dns', 'workstation', 0, 'Looking up db');
    const views = stageViews([dns], 'running', T0 + 250);
    expect(views[0]).toMatchObject({ state: 'running', summary: 'Looking up db', ms: 250 });
    expect(stageViews([dns], 'running', T0 + 900)[0]?.ms).toBe(900);
  });

  it('stays running between two waves of commands until a later stage begins', () => {
    const a = ended(running('listeners-ss', 'server', 100, 'Who listens', 'ss -tlnp'), 200);
    expect(stageViews([a], 'running', T0 + 300)[2]).toMatchObject({ state: 'running', summary: 'Preparing the next checks…' });
    const decide = running('decide', 'decide', 320, 'Walking');
    expect(stageViews([a, decide], 'running', T0 + 330)[2]).toMatchObject({ state: 'done', summary: '1 command read', ms: 100 });
  });

  it('the server stage counts commands done and names the ones in flight', () => {
    const list = [
      ended(running('a', 'server', 0, 'A', 'a'), 10),
      running('b', 'server', 5, 'Firewall rules', 'iptables-save -c'),
      running('c', 'server', 6, 'Service', 'systemctl show x'),
    ];
    expect(stageViews(list, 'running', T0 + 20)[2]?.summary).toBe('1 of 3 done · Firewall rules (+1 more)');
    expect(runningActivities(list, 'running').map((a) => a.id)).toEqual(['b', 'c']);
    expect(elapsed(list[1]!, T0 + 20)).toBe(15);
  });

  it('a failed server command is counted, not fatal; a failed lookup or hop is', () => {
    const server = [ended(running('a', 'server', 0, 'A', 'a'), 10, 'failed'), ended(running('b', 'server', 0, 'B', 'b'), 12)];
    const done = stageViews([...server, ended(running('decide', 'decide', 20), 21)], 'finished', T0 + 30);
    expect(done[2]).toMatchObject({ state: 'done', summary: '2 commands read, 1 failed' });
    const hop = ended(running('hop-1', 'login', 0, 'Logging in to target host bob@db:22'), 40, 'failed');
    expect(stageViews([hop], 'running', T0 + 50)[1]).toMatchObject({ state: 'failed', summary: 'Logging in to target host bob@db:22', ms: 40 });
  });

  it('a failed baseline connect is no login failure; the hop that failed is what the stage names', () => {
    const baseline = ended(running('baseline', 'login', 0, 'Timing a connect to the SSH port 22'), 5, 'failed');
    const hop = running('hop-1', 'login', 6, 'Logging in to target host root@db:22');
    expect(stageViews([baseline, ended(hop, 30), running('x', 'server', 31)], 'running', T0 + 40)[1]).toMatchObject({ state: 'done' });
    expect(stageViews([baseline, ended(hop, 30, 'failed')], 'finished', T0 + 40)[1]).toMatchObject({ state: 'failed', summary: 'Logging in to target host root@db:22' });
  });

  it('skipped stages say why; after the end, stages that never began are "not reached"', () => {
    const skip: Activity = { id: 'login-skipped', stage: 'login', label: 'No server access was chosen', command: null, state: 'skipped', at: at(5), ms: null };
    const views = stageViews([ended(running('dns', 'workstation', 0), 3), skip], 'failed', T0 + 10);
    expect(byStage(views)).toEqual({
      workstation: ['done', 'Looked up', 3],
      login: ['skipped', 'No server access was chosen', null],
      server: ['not-reached', 'Not reached', null],
      decide: ['not-reached', 'Not reached', null],
    });
  });

  it('a cancel while a stage runs marks it stopped, naming what was under way', () => {
    const list = [ended(running('dns', 'workstation', 0), 3), running('hop-1', 'login', 5, 'Logging in to bastion')];
    expect(stageViews(list, 'cancelled', T0 + 1000)[1]).toMatchObject({ state: 'stopped', summary: 'Stopped: Logging in to bastion' });
    expect(runningActivities(list, 'cancelled')).toEqual([]);
  });

  it('the workstation stage says what it did', () => {
    const list = ['dns', 'probes', 'local-listeners'].map((id, i) => ended(running(id, 'workstation', i * 10), i * 10 + 5));
    expect(stageViews([...list, running('decide', 'decide', 40)], 'running', T0 + 50)[0]?.summary).toBe('Looked up, probed, read the listeners');
  });

  it('login through two jump hosts reads as such', () => {
    const hops = [1, 2, 3].map((i) => ended(running(`hop-${i}`, 'login', i * 10), i * 10 + 5));
    expect(stageViews([...hops, running('x', 'server', 50)], 'running', T0 + 60)[1]?.summary).toBe('Logged in through 2 jump hosts');
  });
});
