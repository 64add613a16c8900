import { describe, expect, it } from 'vitest';
import { cacheFileName, codeCacheDir, engineId, privateToUser, runKind, staleCacheFiles } from '../../../shared/node/cli/code-cache';

describe('codeCacheDir: where V8 code is kept between runs', () => {
  it("PORTWISE_HOME keeps it in Portwise's own folder, whatever the platform", () => {
    expect(codeCacheDir({ PORTWISE_HOME: '/tmp/pw' }, 'linux', '/home/ann')).toBe('/tmp/pw/cache');
    expect(codeCacheDir({ PORTWISE_HOME: '/tmp/pw' }, 'darwin', '/Users/ann')).toBe('/tmp/pw/cache');
  });

  it("otherwise the platform's cache folder: XDG_CACHE_HOME or ~/.cache, ~/Library/Caches, LOCALAPPDATA", () => {
    expect(codeCacheDir({}, 'linux', '/home/ann')).toBe('/home/ann/.cache/portwise');
    expect(codeCacheDir({ XDG_CACHE_HOME: '/var/cache/ann' }, 'linux', '/home/ann')).toBe('/var/cache/ann/portwise');
    // An empty XDG_CACHE_HOME counts as unset (the XDG spec).
    expect(codeCacheDir({ XDG_CACHE_HOME: '' }, 'linux', '/home/ann')).toBe('/home/ann/.cache/portwise');
    expect(codeCacheDir({}, 'darwin', '/Users/ann')).toBe('/Users/ann/Library/Caches/Portwise');
    expect(codeCacheDir({ LOCALAPPDATA: 'C:\\Users\\ann\\AppData\\Local' }, 'win32', 'C:\\Users\\ann')).toMatch(/Portwise[\\/]Cache$/);
  });
});

describe('runKind: which cache a run uses', () => {
  it.each([
    [['diagnose', 'db:5432'], 'diagnose'],
    [['diagnose', 'db:5432', '--ssh', 'root@db'], 'diagnose-ssh'],
    [['diagnose', 'db:5432', '--ssh=root@db', '--json'], 'diagnose-ssh'],
    [['diagnose', 'db:5432', '--profile', 'db'], 'diagnose-ssh'],
    [['fleet', '5432', '--ssh', 'a', '--ssh', 'b'], 'fleet-ssh'],
    [['fleet', '5432'], 'fleet'],
    [['profiles', 'list'], 'other'],
    [['--version'], 'other'],
    [[], 'other'],
  ])('%j -> %s', (argv, kind) => {
    expect(runKind(argv)).toBe(kind);
  });

  it('a flag that only starts like --ssh is not taken for it', () => {
    expect(runKind(['diagnose', 'db:5432', '--sshx'])).toBe('diagnose');
    expect(runKind(['diagnose', '--', '--ssh'])).toBe('diagnose-ssh'); // a guess: a wrong one costs speed only
  });
});

describe('cache files', () => {
  const id = '0123456789abcdef';

  it("are tied to the engine's bytes, not its size or date: one byte more or different is another build", () => {
    const engine = Buffer.from('(function (exports) {exports.version = "0.1.0";\n})');
    expect(engineId(engine)).toMatch(/^[0-9a-f]{16}$/);
    expect(engineId(Buffer.from(engine))).toBe(engineId(engine));
    expect(engineId(Buffer.from(engine.toString().replace('0.1.0', '0.1.1')))).not.toBe(engineId(engine));
  });

  it('are named by engine build, Node version, architecture and kind of run', () => {
    expect(cacheFileName(id, 'diagnose-ssh', 'v20.20.2', 'x64')).toBe('0123456789abcdef-v20.20.2-x64-diagnose-ssh.v8cache');
  });

  it("another build's or another Node's are stale; this build's, and anything not a cache file, are not", () => {
    const names = [
      cacheFileName(id, 'diagnose', 'v20.20.2', 'x64'),
      cacheFileName(id, 'other', 'v20.20.2', 'x64'),
      cacheFileName('fedcba9876543210', 'diagnose', 'v20.20.2', 'x64'),
      cacheFileName(id, 'diagnose', 'v22.11.0', 'x64'),
      cacheFileName(id, 'diagnose', 'v20.20.2', 'arm64'),
      `${cacheFileName(id, 'diagnose', 'v20.20.2', 'x64')}.4242.tmp`,
      'notes.txt',
    ];
    expect(staleCacheFiles(names, id, 'v20.20.2', 'x64')).toEqual([names[2], names[3], names[4]]);
  });
});

describe('privateToUser: compiled code is read only from what no one else can write', () => {
  it.each([
    [{ uid: 1000, mode: 0o40700 }, 1000, true],
    [{ uid: 1000, mode: 0o40755 }, 1000, true],
    [{ uid: 1000, mode: 0o100600 }, 1000, true],
    [{ uid: 1000, mode: 0o40775 }, 1000, false], // the group may write
    [{ uid: 1000, mode: 0o41777 }, 1000, false], // anyone may write (a sticky /tmp-like folder too)
    [{ uid: 1000, mode: 0o100666 }, 1000, false],
    [{ uid: 0, mode: 0o40700 }, 1000, false], // another user's
    [{ uid: 1000, mode: 0o40777 }, null, true], // no uid (Windows): the ACLs are the platform's business
  ])('%j for uid %s -> %s', (stat, uid, expected) => {
    expect(privateToUser(stat, uid)).toBe(expected);
  });
});
