import { describe, expect, it } from 'vitest';
import { MarkerStream } from '../../../shared/node/remote/marker-stream';

const MARKER = '\n@@pw-done-0123abcd ';

function feed(chunks: readonly string[], marker = MARKER, maxTail = 16): { out: string; done: boolean; tail: string | null } {
  const parts: Buffer[] = [];
  const stream = new MarkerStream(Buffer.from(marker), (c) => parts.push(Buffer.from(c)), maxTail);
  for (const c of chunks) stream.push(Buffer.from(c, 'latin1'));
  return { out: Buffer.concat(parts).toString('latin1'), done: stream.done, tail: stream.tail };
}

/** Every way to cut `text` in two, and byte by byte. */
function splits(text: string): string[][] {
  const all = [[...text]];
  for (let i = 0; i <= text.length; i++) all.push([text.slice(0, i), text.slice(i)]);
  return all;
}

describe('MarkerStream', () => {
  it('passes on the bytes before the marker and reads the rest of its line, however the stream is cut', () => {
    const text = `line one\nline two${MARKER}127\nafter`;
    for (const chunks of splits(text)) {
      expect(feed(chunks)).toEqual({ out: 'line one\nline two', done: true, tail: '127' });
    }
  });

  it('an empty output, and a marker with nothing after it on its line (the stderr form)', () => {
    expect(feed([`${MARKER}0\n`])).toEqual({ out: '', done: true, tail: '0' });
    const bare = '\n@@pw-done-0123abcd';
    for (const chunks of splits(`oops: denied${bare}\n`)) expect(feed(chunks, bare, 0)).toEqual({ out: 'oops: denied', done: true, tail: '' });
  });

  it('output that only looks like the marker is output: another nonce, a line too long to be ours', () => {
    const lookalike = `\n@@pw-done-0123abcd ${'9'.repeat(40)}\n`;
    const other = '\n@@pw-done-ffffffff 0\n';
    for (const chunks of splits(`a${lookalike}b${other}c${MARKER}2\n`)) {
      expect(feed(chunks)).toEqual({ out: `a${lookalike}b${other}c`, done: true, tail: '2' });
    }
  });

  it('holds back no more than a marker while waiting, and nothing is passed on after the marker', () => {
    const parts: string[] = [];
    const stream = new MarkerStream(Buffer.from(MARKER), (c) => parts.push(c.toString('latin1')));
    stream.push(Buffer.from('x'.repeat(1000)));
    expect(parts.join('').length).toBe(1000 - (MARKER.length - 1));
    stream.push(Buffer.from(`${MARKER}0\n`));
    stream.push(Buffer.from('noise from the next command'));
    expect(parts.join('')).toBe('x'.repeat(1000));
  });

  it('flush gives back what was held when the stream ends without a marker', () => {
    const parts: string[] = [];
    const stream = new MarkerStream(Buffer.from(MARKER), (c) => parts.push(c.toString('latin1')));
    stream.push(Buffer.from('partial output\n@@pw-do'));
    stream.flush();
    expect(parts.join('')).toBe('partial output\n@@pw-do');
    expect(stream.done).toBe(false);
  });

  it('flush stops at the marker when the marker itself arrived and only the rest of its line did not', () => {
    const parts: string[] = [];
    const stream = new MarkerStream(Buffer.from(MARKER), (c) => parts.push(c.toString('latin1')));
    stream.push(Buffer.from(`whole output${MARKER}1`));
    stream.flush();
    expect(parts.join('')).toBe('whole output');
  });
});
