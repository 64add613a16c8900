import { describe, expect, it } from 'vitest';
import type { Activity } from '../../../shared/common/schema/events';
import type { FleetServerResult } from '../../../shared/common/schema/fleet';
import type { Report } from '../../../shared/common/schema/report';
import { progressText, serverLine } from '../../../renderer/lib/fleet-view';
import type { FleetServerState } from '../../../renderer/state/fleet';
import { realReport } from '../components/fake-api';

/** A fleet server's line in the live list: a word for every state (never colour alone), and what it does or how it ended. */

const info = { label: 'db1', destination: 'admin@db1.example.com', profile: 'db1', target: '127.0.0.1:5432' };
const state = (over: Partial<FleetServerState> = {}): FleetServerState => ({ info, phase: 'waiting', activities: [], result: null, historyId: null, ...over });
const result = (report: Report | null, failure: FleetServerResult['failure'] = null): FleetServerResult => ({ server: 'db1', destination: info.destination, profile: 'db1', target: info.target, report, failure });
const activity = (id: string, stage: Activity['stage'], label: string, ended = false): Activity => ({ id, stage, label, command: null, state: ended ? 'done' : 'running', at: '2026-11-24T10:00:00.000Z', ms: ended ? 5 : null });

const refused = realReport('127.0.0.1:5432', ['127.0.0.1'], 'refused');
const connected = realReport('127.0.0.1:5432', ['127.0.0.1'], 'connected');

describe('serverLine', () => {
  it('waiting for a slot, then the stage under way as the progress panel names it', () => {
    expect(serverLine(state())).toEqual({ word: 'Waiting', tone: '', text: 'Waits for a free slot.' });
    expect(serverLine(state({ phase: 'running' }))).toEqual({ word: 'Running', tone: 'tone-info', text: 'Starting…' });
    const login = [activity('dns', 'workstation', 'Looking up', true), activity('probes', 'workstation', 'Probing', true), activity('hop-1', 'login', 'Logging in to admin@db1.example.com')];
    expect(serverLine(state({ phase: 'running', activities: login }))).toEqual({ word: 'Running', tone: 'tone-info', text: 'Logging in: Logging in to admin@db1.example.com' });
  });

  it('how it ended: the probe from here and the verdict, a refused login, a cancel, an internal error', () => {
    expect(serverLine(state({ phase: 'done', result: result(refused) }))).toEqual({
      word: 'Diagnosed',
      tone: 'tone-bad',
      text: 'Refused from here. Nothing is listening: the service is not running (medium confidence).',
    });
    expect(serverLine(state({ phase: 'done', result: result(connected) }))).toEqual({ word: 'Connects', tone: 'tone-ok', text: 'Connected from here. The connection works from here now (high confidence).' });
    expect(serverLine(state({ phase: 'done', result: result(refused, { kind: 'login-failed', sshKind: 'auth-failed', message: 'the server refused every key', hop: 1 }) }))).toEqual({
      word: 'Login failed',
      tone: 'tone-warn',
      text: 'Refused from here; could not log in: the server refused every key',
    });
    expect(serverLine(state({ phase: 'done', result: result(null, { kind: 'cancelled', message: 'Cancelled before this server finished.' }) }))).toEqual({ word: 'Cancelled', tone: 'tone-warn', text: 'Cancelled before this server finished.' });
    expect(serverLine(state({ phase: 'done', result: result(null, { kind: 'failed', message: 'The diagnosis could not start.', detail: 'Error: x' }) }))).toEqual({ word: 'Failed', tone: 'tone-bad', text: 'The diagnosis could not start.' });
  });
});

describe('progressText', () => {
  it('counts the servers done and running', () => {
    expect(progressText([state()])).toBe('0 of 1 server done.');
    expect(progressText([state({ phase: 'done', result: result(refused) }), state({ phase: 'running' }), state({ phase: 'running' }), state()])).toBe('1 of 4 servers done, 2 running.');
  });
});
