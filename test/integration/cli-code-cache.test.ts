import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The built `portwise` launcher keeps V8's code for its engine between runs (shared/node/cli/
 * code-cache.ts). Whatever the cache holds, or fails to hold, a command's output and exit code are
 * the same. PORTWISE_CODE_CACHE=trace makes the launcher say on stderr what the cache did.
 */

const CLI = 'out/cli/portwise.cjs';
let root: string;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does).`);
  root = await mkdtemp(join(tmpdir(), 'pw-code-cache-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

let homes = 0;
/** A fresh PORTWISE_HOME; its cache folder is `cache` in it. */
async function freshHome(): Promise<{ home: string; cache: string }> {
  const home = join(root, `home-${++homes}`);
  await mkdir(home);
  return { home, cache: join(home, 'cache') };
}

function run(home: string, argv: string[], mode = 'trace', cli = CLI): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, PORTWISE_HOME: home, LANG: 'C', PORTWISE_CODE_CACHE: mode };
    const child = spawn(process.execPath, [cli, ...argv], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const cacheFiles = async (dir: string) => (existsSync(dir) ? (await readdir(dir)).filter((n) => n.endsWith('.v8cache')) : []);
const CAUSES = ['causes', '--json'];

describe('the launcher keeps compiled code between runs', () => {
  it('the first run writes the cache for its kind of run, the next uses it, and the output is the same', async () => {
    const { home, cache } = await freshHome();
    const first = await run(home, CAUSES);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/code cache written: .*-other\.v8cache/);
    const [file] = await cacheFiles(cache);
    expect(file).toMatch(new RegExp(`^[0-9a-f]{16}-${process.version.replace(/\./g, '\\.')}-${process.arch}-other\\.v8cache$`));

    const second = await run(home, CAUSES);
    expect(second).toEqual({ code: 0, stdout: first.stdout, stderr: 'portwise: code cache used\n' });
    expect(JSON.parse(second.stdout)).toBeInstanceOf(Object);

    // Another kind of run has its own cache, next to the first.
    const usage = await run(home, ['diagnose']);
    expect(usage.stderr).toMatch(/code cache written: .*-diagnose\.v8cache/);
    expect((await cacheFiles(cache)).sort()).toEqual([file!.replace('-other.', '-diagnose.'), file].sort());
  });

  it('PORTWISE_CODE_CACHE=off compiles afresh and writes nothing', async () => {
    const { home, cache } = await freshHome();
    const cached = await run((await freshHome()).home, CAUSES);
    const off = await run(home, CAUSES, 'off');
    expect(off).toMatchObject({ code: 0, stdout: cached.stdout });
    expect(existsSync(cache)).toBe(false);
  });

  it('a damaged cache file is refused by V8, the command runs as without it, and the file is written anew', async () => {
    const { home, cache } = await freshHome();
    const clean = await run(home, CAUSES);
    const [file] = await cacheFiles(cache);
    const path = join(cache, file!);
    for (const damaged of [Buffer.from('not V8 code at all'), (await readFile(path)).subarray(0, 64), Buffer.alloc(0)]) {
      await writeFile(path, damaged);
      const again = await run(home, CAUSES);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toBe(clean.stdout);
      expect(again.stderr).toMatch(/code cache written/);
      expect((await readFile(path)).length).toBeGreaterThan(damaged.length);
    }
    expect((await run(home, CAUSES)).stderr).toBe('portwise: code cache used\n');
  });

  it('a cache folder or file that others may write is neither read nor written', async () => {
    const { home, cache } = await freshHome();
    const clean = await run(home, CAUSES);
    const [file] = await cacheFiles(cache);
    await chmod(cache, 0o777);
    const open = await run(home, CAUSES);
    expect(open).toMatchObject({ code: 0, stdout: clean.stdout });
    expect(open.stderr).toMatch(/code cache not used: .* may be written by other users/);
    await chmod(cache, 0o700);
    await chmod(join(cache, file!), 0o666);
    expect((await run(home, CAUSES)).stderr).toMatch(/code cache not used/);
    await chmod(join(cache, file!), 0o600);
    expect((await run(home, CAUSES)).stderr).toBe('portwise: code cache used\n');

    // A folder that is there already and open to others is not written to either.
    const other = await freshHome();
    await mkdir(other.cache, { mode: 0o777 });
    await chmod(other.cache, 0o777);
    const first = await run(other.home, CAUSES);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/may be written by other users/);
    expect(await cacheFiles(other.cache)).toEqual([]);
  });

  it('a cache folder that cannot be made changes nothing but the note', async () => {
    const { home, cache } = await freshHome();
    await writeFile(cache, 'a file where the folder would go\n');
    const blocked = await run(home, CAUSES);
    expect(blocked.code).toBe(0);
    expect(blocked.stderr).toMatch(/^portwise: code cache not written \(.+\)\n$/);
    expect(JSON.parse(blocked.stdout)).toBeInstanceOf(Object);
    // And the exit code of a failing command is its own.
    const usage = await run(home, ['diagnose', 'no-port-here']);
    expect(usage.code).toBe((await run((await freshHome()).home, ['diagnose', 'no-port-here'], 'off')).code);
    expect(usage.code).not.toBe(0);
  });

  it('an engine rebuilt with other bytes of the same length does not get the old code', async () => {
    // A copy of the build next to it (the engine resolves its packages from the repository's node_modules).
    const copy = await mkdtemp(join('out', 'cli-copy-'));
    try {
      await copyFile(CLI, join(copy, 'portwise.cjs'));
      const engine = await readFile('out/cli/engine.cjs', 'latin1');
      await writeFile(join(copy, 'engine.cjs'), engine, 'latin1');
      const { home, cache } = await freshHome();
      const before = await run(home, ['--version'], 'trace', join(copy, 'portwise.cjs'));
      expect(before.stdout).toMatch(/^portwise \d/);
      const [first] = await cacheFiles(cache);

      // Another build of the same size (and, as after an npm install, it could have the same date).
      const version = /portwise (\d+\.\d+\.\d+)/.exec(before.stdout)![1]!;
      const other = version.replace(/\d$/, (d) => String((Number(d) + 1) % 10));
      const rebuilt = engine.split(version).join(other);
      expect(rebuilt).not.toBe(engine);
      expect(rebuilt.length).toBe(engine.length);
      await writeFile(join(copy, 'engine.cjs'), rebuilt, 'latin1');
      const after = await run(home, ['--version'], 'trace', join(copy, 'portwise.cjs'));
      expect(after.stdout).toBe(`portwise ${other}\n`);
      expect(after.stderr).toMatch(/code cache written/);
      // The old build's cache is gone, the new one's is there.
      const left = await cacheFiles(cache);
      expect(left).toHaveLength(1);
      expect(left[0]).not.toBe(first);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  it("writing a cache removes other builds' and other Nodes' caches, and nothing else", async () => {
    const { home, cache } = await freshHome();
    await mkdir(cache);
    const stale = ['fedcba9876543210-v20.0.0-x64-other.v8cache', `fedcba9876543210-${process.version}-${process.arch}-diagnose.v8cache`];
    for (const name of [...stale, 'notes.txt']) await writeFile(join(cache, name), 'old\n');
    await run(home, CAUSES);
    const left = await readdir(cache);
    expect(left).toContain('notes.txt');
    for (const name of stale) expect(left).not.toContain(name);
    expect(await cacheFiles(cache)).toHaveLength(1);
  });
});
