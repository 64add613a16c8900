import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sh } from '../../../shared/common/shell';
import { CappedBuffer, digestOf, FramedDigest, withRawDigest } from '../../../shared/node/output-digest';
import { defaultRunnerOptions, RemoteRunner } from '../../../shared/node/remote/runner';
import { localTransport } from '../../../shared/node/remote/transport';

const sha = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const BEGIN = '\n@@pw-begin-0123456789abcdef\n';
const END = '\n@@pw-end-0123456789abcdef ';

function framed(preamble: string, output: string, code = 0): Buffer {
  return Buffer.from(`${preamble}${BEGIN}${output}${END}${code}\n`);
}

function digestChunks(stream: Buffer, cuts: number[]) {
  const digest = new FramedDigest(Buffer.from(BEGIN), Buffer.from(END));
  let at = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < stream.length)].sort((a, b) => a - b)) {
    digest.push(stream.subarray(at, cut));
    at = cut;
  }
  digest.push(stream.subarray(at));
  return digest.result();
}

describe('FramedDigest', () => {
  it('digests the output between the markers, whatever the chunking, login noise included before', () => {
    const output = 'State Recv-Q Send-Q Local Address:Port\nLISTEN 0 128 127.0.0.1:5432 *:*\n';
    const stream = framed('Welcome to the server!\nLast login: today\n', output);
    const expected = { rawSha256: sha(output), rawBytes: Buffer.byteLength(output) };
    expect(digestChunks(stream, [])).toEqual(expected);
    // Every single split point, so a marker cut in two is still found and never hashed.
    for (let cut = 1; cut < stream.length; cut++) expect(digestChunks(stream, [cut]), `cut at ${cut}`).toEqual(expected);
  });

  it('any output and any chunking give the sha256 of the output alone (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ maxLength: 50 }), fc.array(fc.nat({ max: 500 }), { maxLength: 6 }), (output, preamble, cuts) => {
        fc.pre(!output.includes('@@pw-end-') && !preamble.includes('@@pw-begin-'));
        expect(digestChunks(framed(preamble, output), cuts)).toEqual({ rawSha256: sha(output), rawBytes: Buffer.byteLength(output) });
      }),
      { numRuns: 300 },
    );
  });

  it('an empty output is the digest of nothing; a stream cut before its end marker keeps every byte it had', () => {
    expect(digestChunks(framed('', ''), [])).toEqual({ rawSha256: sha(''), rawBytes: 0 });
    const cutShort = Buffer.from(`${BEGIN}partial output\n@@pw-e`);
    expect(digestChunks(cutShort, [5, 20])).toEqual({ rawSha256: sha('partial output\n@@pw-e'), rawBytes: 21 });
    // Cut after the whole end marker, before its exit code: the marker is not output.
    expect(digestChunks(Buffer.from(`${BEGIN}all of it${END}`), [4])).toEqual({ rawSha256: sha('all of it'), rawBytes: 9 });
  });

  it('no begin marker: no digest (the wrapper never ran)', () => {
    expect(digestChunks(Buffer.from('sh: 1: syntax error\n'), [3])).toBeNull();
  });
});

describe('the runner digests the whole output past the cap', () => {
  it('3.2 MB from a real shell, kept to 64 kB: the digest and size are of all of it', async () => {
    const runner = new RemoteRunner(localTransport, { ...defaultRunnerOptions, defaultMaxBytes: 64 * 1024 });
    // 98,304 lines of 33 bytes (3.2 MB): "line 00000 ..." numbered, so a lost or repeated chunk changes the digest.
    const run = await runner.run({ id: 'big', command: sh`awk 'BEGIN { for (i = 0; i < 98304; i++) printf "line %05d abcdefghijklmnopqrstu\\n", i }'`, wantsRoot: false });
    let expected = '';
    for (let i = 0; i < 98304; i++) expected += `line ${String(i).padStart(5, '0')} abcdefghijklmnopqrstu\n`;
    expect(run.status).toBe('ok');
    expect(run.result.truncated).toBe(true);
    expect(run.result.stdout.length).toBeLessThanOrEqual(64 * 1024);
    expect(run.digest).toEqual({ rawSha256: sha(expected), rawBytes: 98304 * 33 });
  });

  it('a short output: the digest of exactly what the command printed', async () => {
    const runner = new RemoteRunner(localTransport, defaultRunnerOptions);
    const run = await runner.run({ id: 'short', command: sh`printf '%s\\n' ${'one'} ${'two'}`, wantsRoot: false });
    expect(run.result.stdout).toBe('one\ntwo\n');
    expect(run.digest).toEqual(digestOf('one\ntwo\n'));
  });
});

describe('CappedBuffer and whole outputs', () => {
  it('keeps the first bytes up to the cap and says it dropped some', () => {
    const buffer = new CappedBuffer(5);
    buffer.push(Buffer.from('abc'));
    buffer.push(Buffer.from('defg'));
    buffer.push(Buffer.alloc(0));
    expect(buffer.text()).toBe('abcde');
    expect(buffer.truncated).toBe(true);
  });

  it('evidence with a whole raw output gets its digest; a digest already there (of a cut output) is kept', () => {
    const base = { id: 'x', where: 'workstation', command: 'c', startedAt: '2026-11-24T00:00:00.000Z', ms: 1, status: 'ok' as const, summary: 's', origin: 'pasted' as const, facts: { check: 'pasted' as const, node: 'T1', kind: 'listeners' } };
    expect(withRawDigest({ ...base, raw: 'héllo' })).toMatchObject({ rawSha256: sha('héllo'), rawBytes: 6 });
    expect(withRawDigest({ ...base, raw: null })).not.toHaveProperty('rawSha256');
    const kept = { ...base, raw: 'cut', rawSha256: 'a'.repeat(64), rawBytes: 10_000 };
    expect(withRawDigest(kept)).toBe(kept);
  });
});
