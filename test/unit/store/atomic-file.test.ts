import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { corruptStamp, moveAside, readJsonFile, serialized, sweepAbandonedTemps, writeFileAtomic } from '../../../shared/node/store/atomic-file';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portwise-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const Doc = z.object({ n: z.number() });
const NOW = new Date('2026-01-02T03:04:05.678Z');

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', '']);
    child.on('error', reject);
    child.on('exit', () => resolve(child.pid ?? 0));
  });
}

describe('writeFileAtomic', () => {
  it('creates the folder and a 0600 file, replaces it, and leaves no temp file', async () => {
    const file = join(dir, 'nested', 'data.json');
    await writeFileAtomic(file, '{"n":1}');
    await writeFileAtomic(file, '{"n":2}');
    expect(await readFile(file, 'utf8')).toBe('{"n":2}');
    if (process.platform !== 'win32') {
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect((await stat(join(dir, 'nested'))).mode & 0o777).toBe(0o700);
    }
    expect(await readdir(join(dir, 'nested'))).toEqual(['data.json']);
  });

  it('a failed rename removes its temp file and keeps the old content', async () => {
    const file = join(dir, 'data.json');
    await writeFileAtomic(file, 'old');
    // Renaming a file over a non-empty directory fails: the write must fail cleanly.
    const target = join(dir, 'a-folder');
    await mkdir(join(target, 'inner'), { recursive: true });
    await expect(writeFileAtomic(target, 'new')).rejects.toThrow();
    expect((await readdir(dir)).filter((n) => n.includes('.tmp-'))).toEqual([]);
    expect(await readFile(file, 'utf8')).toBe('old');
  });

  it('sweeps temp files of dead writers, but not those of live processes or other files', async () => {
    const file = join(dir, 'data.json');
    const dead = await deadPid();
    const names = [`.data.json.tmp-${dead}-aaaa`, `.data.json.tmp-${process.ppid}-bbbb`, `.other.json.tmp-${dead}-cccc`];
    for (const name of names) await writeFile(join(dir, name), 'partial');
    expect(await sweepAbandonedTemps(file)).toEqual([names[0]]);
    await writeFileAtomic(file, 'x');
    expect((await readdir(dir)).sort()).toEqual([names[1], names[2], 'data.json'].sort());
  });
});

describe('serialized', () => {
  it('runs tasks for one file one at a time, in order, even after a failure', async () => {
    const file = join(dir, 'f');
    const log: string[] = [];
    const task = (name: string, fail = false) => async () => {
      log.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, 5));
      log.push(`end ${name}`);
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([serialized(file, task('a')), serialized(file, task('b', true)), serialized(join(dir, '.', 'f'), task('c'))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('two read-modify-write updates never lose each other', async () => {
    const file = join(dir, 'counter.json');
    await writeFileAtomic(file, '{"n":0}');
    const increment = () =>
      serialized(file, async () => {
        const read = await readJsonFile(file, Doc);
        const n = read.status === 'ok' ? read.value.n : 0;
        await writeFileAtomic(file, JSON.stringify({ n: n + 1 }));
      });
    await Promise.all(Array.from({ length: 20 }, increment));
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ n: 20 });
  });
});

describe('readJsonFile', () => {
  it('missing is not an error', async () => {
    expect(await readJsonFile(join(dir, 'none.json'), Doc)).toEqual({ status: 'missing' });
  });

  it('reads a valid file', async () => {
    await writeFile(join(dir, 'ok.json'), '{"n":3}');
    expect(await readJsonFile(join(dir, 'ok.json'), Doc)).toEqual({ status: 'ok', value: { n: 3 } });
  });

  it.each([
    ['not JSON', '{"n":', /^not JSON$/],
    ['empty (a crash of a non-atomic writer)', '', /^not JSON$/],
    ['valid JSON, wrong shape', '{"n":"three"}', /^n: /],
  ])('%s: moved aside to <name>.corrupt-<UTC stamp>, content kept, notice says where', async (_what, content, reason) => {
    const file = join(dir, 'data.json');
    await writeFile(file, content);
    const read = await readJsonFile(file, Doc, () => NOW);
    expect(read.status).toBe('corrupt');
    if (read.status !== 'corrupt') return;
    expect(read.notice.movedTo).toBe(`${file}.corrupt-20260102T030405Z`);
    expect(read.notice.reason).toMatch(reason);
    expect(read.notice.message).toContain(read.notice.movedTo);
    expect(await readFile(read.notice.movedTo, 'utf8')).toBe(content);
    expect(await readJsonFile(file, Doc)).toEqual({ status: 'missing' });
  });

  it('a second corrupt file in the same second does not overwrite the first', async () => {
    const file = join(dir, 'data.json');
    await writeFile(file, 'first');
    const a = await moveAside(file, 'x', NOW);
    await writeFile(file, 'second');
    const b = await moveAside(file, 'x', NOW);
    expect(b.movedTo).toBe(`${a.movedTo}-2`);
    expect(await readFile(a.movedTo, 'utf8')).toBe('first');
    expect(await readFile(b.movedTo, 'utf8')).toBe('second');
  });

  it('the reason is one printable line even when the file holds control characters', async () => {
    const file = join(dir, 'data.json');
    await writeFile(file, '\u001b[2J\nnot json');
    const read = await readJsonFile(file, Doc);
    const message = read.status === 'corrupt' ? read.notice.message : '';
    expect([...message].filter((c) => c.charCodeAt(0) < 0x20)).toEqual([]);
    expect(message).not.toContain('not json');
  });

  it('the stamp is UTC, sortable and has no colon', () => {
    expect(corruptStamp(NOW)).toBe('20260102T030405Z');
  });
});
