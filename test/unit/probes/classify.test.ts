import { describe, expect, it } from 'vitest';
import { classifyErrno, errnoText } from '../../../shared/node/probes/classify';

describe('classifyErrno (catalog §0.1)', () => {
  it.each([
    ['ECONNREFUSED', 'refused'],
    ['WSAECONNREFUSED', 'refused'],
    ['ETIMEDOUT', 'timeout'],
    ['WSAETIMEDOUT', 'timeout'],
    ['EHOSTUNREACH', 'unreachable'],
    ['ENETUNREACH', 'unreachable'],
    ['EHOSTDOWN', 'unreachable'],
    ['ENETDOWN', 'unreachable'],
    ['EACCES', 'unreachable'],
    ['EPERM', 'unreachable'],
    ['EADDRNOTAVAIL', 'unreachable'],
    ['ECONNRESET', 'reset'],
    ['ECONNABORTED', 'reset'],
    ['EPIPE', 'reset'],
  ])('%s -> %s', (code, status) => {
    expect(classifyErrno(code)).toBe(status);
  });

  it.each([undefined, '', 'ENOENT', 'EAI_AGAIN', 'ENOTFOUND', 'econnrefused', 'EADDRINUSE'])('%j -> null', (code) => {
    expect(classifyErrno(code)).toBeNull();
  });

  it('has the libc sentence for every POSIX errno it classifies', () => {
    for (const code of ['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EACCES', 'EPERM', 'EADDRNOTAVAIL', 'ECONNRESET', 'ECONNABORTED', 'EPIPE']) {
      expect(errnoText[code], code).toMatch(/^[A-Z]/);
    }
    expect(errnoText.ECONNREFUSED).toBe('Connection refused');
    expect(errnoText.EHOSTUNREACH).toBe('No route to host');
  });
});
