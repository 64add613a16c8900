import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { z } from 'zod';
import { globMatches, hostPatternsMatch } from '../../shared/common/ssh-config/host-patterns';
import { expandTokens, formatJumpSpec, parseJumpSpec, profilePath } from '../../shared/common/ssh-config/host-settings';
import { renderImportPreview } from '../../shared/common/ssh-config/import-preview';
import { ProfileId, ProfileInput, profileSetProblems } from '../../shared/common/schema/profile';
import { formatKnownHostsLine, lookupHostKey, parseKnownHosts } from '../../shared/node/ssh/known-hosts';
import { globSegment, loadSshConfig, planSshImport, type SshConfigFs } from '../../shared/node/store/ssh-config-import';
import { anyUnits, parserInput } from './arbitraries';
import { PER_INPUT_MS, fuzzParams, propertyTimeout, withinBudget } from './budget';
import { fixtures } from './fixtures';

vi.setConfig({ testTimeout: propertyTimeout });

/**
 * ~/.ssh/config and known_hosts are read from the user's disk: another program (or a hostile
 * dotfiles repository) may have written them. Both readers must give a typed answer for any
 * text, quickly, and the import must only ever plan profiles the profile schema accepts.
 */

const HOME = '/home/fuzz';

const CONFIG_VOCAB = ['Host', 'Host *', 'Host db !web', 'Match host x exec "id"', 'HostName', 'Port', 'User', 'IdentityFile', '~/.ssh/id_ed25519', 'ProxyJump', 'ProxyJump b1,b2', 'ProxyJump none', 'ProxyCommand ssh -W %h:%p b', 'Include', 'Include config.d/*', 'Include ~/x', 'UserKnownHostsFile', 'IdentityAgent', 'PubkeyAuthentication no', 'PasswordAuthentication yes', '=', '"', '%h', '%d', '%%', '%', '${HOME}', '#', '\t', '  ', 'ssh://u@h:22', '[::1]:2222', '-oProxyCommand=x', '$(id)', '198.18.0.2', 'bastion'];
const configText = parserInput(fixtures('ssh-config', /^(config|.*\.conf)$/), CONFIG_VOCAB);

/**
 * An in-memory home, as a disk behaves: the top config is the generated text, and each other path
 * always reads the same generated text (or is missing). `reads` counts the files read.
 */
function fakeFs(top: string, included: readonly string[]): SshConfigFs & { reads: number } {
  const byPath = new Map<string, string | null>();
  const fs = {
    reads: 0,
    readFile: async (file: string) => {
      fs.reads++;
      if (file === `${HOME}/.ssh/config`) return top;
      if (!byPath.has(file)) byPath.set(file, byPath.size < included.length ? (included[byPath.size] ?? null) : null);
      const text = byPath.get(file);
      if (text === null || text === undefined) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
      return text;
    },
    readDir: async () => ['10-db.conf', '20-web.conf', '.hidden', 'README'],
  };
  return fs;
}

/** Load, plan and render one config; returns the plan, the files read and the time taken. */
async function importOnce(top: string, included: readonly string[], onExisting: 'update' | 'skip', localUser: string | null) {
  const fs = fakeFs(top, included);
  const t0 = performance.now();
  const doc = await loadSshConfig({ home: HOME, fs });
  if (!doc.ok) throw new Error(`the top config was not read: ${doc.error.message}`);
  const plan = planSshImport(doc.value, { existing: EXISTING, onExisting, localUser });
  const preview = renderImportPreview(plan);
  return { plan, preview, reads: fs.reads, ms: performance.now() - t0 };
}

const EXISTING = [{ id: 'db', name: 'db', jumps: [] }];

describe('ssh_config import', () => {
  it('loadSshConfig + planSshImport: any config gives a plan of valid, consistent profiles, within 50 ms a file', async () => {
    await fc.assert(
      fc.asyncProperty(configText, fc.array(configText, { maxLength: 3 }), fc.constantFrom('update', 'skip' as const), fc.constantFrom('me', null), async (top, included, onExisting, localUser) => {
        let run = await importOnce(top, included, onExisting, localUser);
        // Timed again when over, up to five times in all (as withinBudget): a busy CPU is slow now
        // and then, a blow-up every time.
        for (let attempt = 1; attempt < 5 && run.ms > PER_INPUT_MS * run.reads; attempt++) run = await importOnce(top, included, onExisting, localUser);
        expect(run.ms).toBeLessThanOrEqual(PER_INPUT_MS * run.reads);
        const { plan, preview } = run;
        expect(typeof preview).toBe('string');
        for (const p of plan.profiles) {
          expect(ProfileId.safeParse(p.id).success).toBe(true);
          const input = ProfileInput.safeParse(p.input);
          if (!input.success) throw new Error(`planned profile ${p.id} fails ProfileInput: ${input.error.message}`);
          expect(['create', 'update', 'skip-existing']).toContain(p.action);
        }
        const planned = plan.profiles.filter((p) => p.action !== 'skip-existing').map((p) => ({ id: p.id, name: p.input.name, jumps: p.input.jumps }));
        const kept = EXISTING.filter((e) => !planned.some((p) => p.id === e.id));
        expect(profileSetProblems([...kept, ...planned])).toEqual([]);
        for (const w of plan.warnings) expect(w.trim()).not.toBe('');
      }),
      fuzzParams,
    );
  });

  it('a folder of files that each Include the folder is read at most 256 times, with a warning', async () => {
    let reads = 0;
    const names = Array.from({ length: 10 }, (_, i) => `f${i}.conf`);
    const fs: SshConfigFs = {
      readFile: async (file) => {
        reads++;
        return file.endsWith('/config') ? 'Include config.d/*' : 'Include config.d/*\nHost x\n  User me\n';
      },
      readDir: async () => names,
    };
    const t0 = performance.now();
    const doc = await loadSshConfig({ home: HOME, fs });
    expect(doc.ok).toBe(true);
    // Without the cap: every path through the 10 files up to depth 16, millions of reads.
    expect(reads).toBeLessThanOrEqual(256);
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(doc.ok && doc.value.warnings.filter((w) => w.includes('more than 256 files'))).toHaveLength(1);
  });
});

/**
 * The Include glob as it was (a RegExp), the oracle for short names; null where that RegExp threw.
 * With the `s` flag: the matcher lets `*` and `?` match any character, as glob(3) does; the old
 * RegExp's `.` stopped at a line break (in a file name).
 */
function includeGlobByRegex(segment: string): RegExp | null {
  let source = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] ?? '';
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else if (c === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close < 0) {
        source += '\\[';
        continue;
      }
      const body = segment.slice(i + 1, close);
      const negated = body.startsWith('!') || body.startsWith('^');
      source += `[${negated ? '^' : ''}${(negated ? body.slice(1) : body).replace(/[\\\]^]/g, '\\$&')}]`;
      i = close;
    } else source += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  try {
    return new RegExp(`^${source}$`, 's');
  } catch {
    return null;
  }
}

describe('Include globs', () => {
  it('globSegment matches a file name as the regular expression it replaced did', () => {
    const segment = fc.string({ unit: fc.constantFrom('*', '?', '[', ']', '!', '^', '-', 'a', 'b', 'z', '.', '\\'), maxLength: 10 });
    const name = fc.string({ unit: fc.constantFrom('a', 'b', 'z', '.', '-', ']', '[', '^', '!', '\\', '\n'), maxLength: 10 });
    fc.assert(
      fc.property(segment, name, (seg, n) => {
        const byRegex = includeGlobByRegex(seg);
        const matched = withinBudget(() => globSegment(seg).test(n));
        // A reversed range (`[z-a]`) made the RegExp throw, so the import threw; now it matches nothing.
        if (byRegex !== null) expect(matched).toBe(byRegex.test(n));
      }),
      fuzzParams,
    );
  });

  it('stays fast on an Include glob full of stars (a RegExp took minutes)', async () => {
    const fs: SshConfigFs = {
      readFile: async (file) => (file.endsWith('/config') ? `Include config.d/${'*a'.repeat(40)}*b\n` : ''),
      readDir: async () => ['a'.repeat(255)],
    };
    const t0 = performance.now();
    expect((await loadSshConfig({ home: HOME, fs })).ok).toBe(true);
    expect(performance.now() - t0).toBeLessThan(PER_INPUT_MS * 4);
  });
});

/** OpenSSH's glob as a regular expression, for short inputs only (it backtracks). */
const globReference = (pattern: string, text: string): boolean =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's').test(text);

describe('host patterns', () => {
  const small = fc.string({ unit: fc.constantFrom('a', 'b', '.', '*', '?', '!', '-'), maxLength: 12 });
  it('globMatches agrees with the glob as a regular expression', () => {
    fc.assert(
      fc.property(small, small.map((s) => s.replace(/[*?!]/g, 'a')), (pattern, text) => {
        expect(globMatches(pattern, text)).toBe(globReference(pattern, text));
      }),
      fuzzParams,
    );
  });

  it('a negated pattern that matches always wins', () => {
    fc.assert(
      fc.property(fc.array(small, { maxLength: 4 }), small.map((s) => s.replace(/[*?!]/g, 'a')), (patterns, host) => {
        const r = hostPatternsMatch(patterns, host);
        if (patterns.some((p) => p.startsWith('!') && globMatches(p.slice(1), host))) expect(r).toBe(false);
      }),
      fuzzParams,
    );
  });

  it('stays fast on long patterns full of stars', () => {
    const pattern = `${'*a'.repeat(2_000)}*b`;
    const text = 'a'.repeat(4_000);
    expect(withinBudget(() => globMatches(pattern, text))).toBe(false);
  });
});

describe('ProxyJump elements and tokens', () => {
  const jumpText = fc.oneof(
    fc.tuple(fc.option(fc.oneof(fc.constantFrom('u', 'deploy', 'a@b'), fc.string({ maxLength: 8 })), { nil: null }), fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6().map((a) => `[${a}]`), fc.string({ maxLength: 12 })), fc.option(fc.oneof(fc.integer({ min: -1, max: 70_000 }).map(String), fc.string({ maxLength: 5 })), { nil: null }), fc.boolean()).map(
      ([u, h, p, scheme]) => `${scheme ? 'ssh://' : ''}${u === null ? '' : `${u}@`}${h}${p === null ? '' : `:${p}`}`,
    ),
    fc.string({ maxLength: 40 }),
    anyUnits(40),
  );

  it('parseJumpSpec: an error sentence or a spec that formats and parses back to itself', () => {
    fc.assert(
      fc.property(jumpText, (text) => {
        const r = withinBudget(() => parseJumpSpec(text));
        if (!r.ok) {
          expect(r.error.trim()).not.toBe('');
          return;
        }
        if (r.value.port !== null) expect(r.value.port >= 1 && r.value.port <= 65535).toBe(true);
        expect(r.value.host).not.toBe('');
        // A spec whose host and user a profile keeps as they are is written back as it was read.
        // Others (a stray bracket in `:]:`, a user of spaces) need not be: the profile schema
        // refuses or trims them, so they never reach a profile as read.
        const kept = (schema: z.ZodType<unknown>, v: string) => {
          const p = schema.safeParse(v);
          return p.success && p.data === v;
        };
        if (kept(ProfileInput.shape.host, r.value.host) && (r.value.user === null || kept(ProfileInput.shape.user, r.value.user))) {
          expect(parseJumpSpec(formatJumpSpec(r.value))).toEqual(r);
        }
      }),
      fuzzParams,
    );
  });

  it('expandTokens and profilePath: a typed answer; an accepted path is absolute or under ~/', () => {
    const table = { h: 'db', p: '22', r: 'root', u: 'me', n: 'db', l: 'host', L: 'host', i: '1000', C: 'x', d: '~', k: null };
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: fc.constantFrom('%', 'h', 'd', 'k', 'z', '/', '~', '$', '{', 'a'), maxLength: 20 }), fc.string({ maxLength: 40 })), (text) => {
        const e = withinBudget(() => expandTokens(text, table));
        if (!e.ok) expect(e.error.trim()).not.toBe('');
        // `%%` is a literal `%`: escaping every `%` gives the text back, whatever it holds.
        expect(expandTokens(text.replaceAll('%', '%%'), table)).toEqual({ ok: true, value: text });
        if (/^(?:[^%]|%%)*%k/.test(text)) expect(e.ok).toBe(false);
        const p = profilePath(text, table);
        if (p.ok) expect(p.value.startsWith('/') || p.value.startsWith('~/')).toBe(true);
        else expect(p.error.trim()).not.toBe('');
      }),
      fuzzParams,
    );
  });
});

/** An SSH public key blob: the key type as an SSH string, then random bytes. */
const keyBlob = (type: string, rest: Uint8Array): Buffer => {
  const t = Buffer.from(type, 'latin1');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(t.length);
  return Buffer.concat([len, t, Buffer.from(rest)]);
};

const keyType = fc.constantFrom('ssh-ed25519', 'ecdsa-sha2-nistp256', 'ssh-rsa');
const knownHostsSeeds = [
  `# comment\n${formatKnownHostsLine('db', 22, 'ssh-ed25519', keyBlob('ssh-ed25519', new Uint8Array(32)))}\n@revoked * ssh-rsa ${keyBlob('ssh-rsa', new Uint8Array(8)).toString('base64')}\n|1|${Buffer.alloc(20).toString('base64')}|${Buffer.alloc(20, 1).toString('base64')} ssh-ed25519 ${keyBlob('ssh-ed25519', new Uint8Array(32)).toString('base64')}\n@cert-authority *.example ssh-ed25519 ${keyBlob('ssh-ed25519', new Uint8Array(32)).toString('base64')} ca\n[db]:2222,198.18.0.2,!bad ssh-ed25519 ${keyBlob('ssh-ed25519', new Uint8Array(32)).toString('base64')} comment here\n`,
];

describe('known_hosts', () => {
  it('parseKnownHosts: never throws, every line is an entry, skipped with a reason, or a comment', () => {
    fc.assert(
      fc.property(parserInput(knownHostsSeeds, ['@revoked', '@cert-authority', '@other', '|1|', '|', ',', '!', '*', '?', '[db]:2222', 'ssh-ed25519', 'ssh-rsa', '2048', '65537', 'AAAA', '==', '=']), (text) => {
        const parsed = withinBudget(() => parseKnownHosts(text, '/k'));
        const lines = text.split('\n');
        const counted = new Set([...parsed.entries, ...parsed.skipped].map((e) => e.line));
        expect(counted.size).toBe(parsed.entries.length + parsed.skipped.length);
        lines.forEach((l, i) => {
          const t = l.replace(/\r$/, '').trim();
          if (t !== '' && !t.startsWith('#')) expect(counted.has(i + 1)).toBe(true);
        });
        for (const s of parsed.skipped) expect(s.reason.trim()).not.toBe('');
        for (const e of parsed.entries) expect(e.keyBlob.length).toBeGreaterThan(4);
        const probe = withinBudget(() => lookupHostKey(parsed.entries, 'db', 2222, 'ssh-ed25519', keyBlob('ssh-ed25519', new Uint8Array(32))));
        expect(['match', 'unknown', 'changed', 'revoked']).toContain(probe.status);
      }),
      fuzzParams,
    );
  });

  it('a line Portwise writes is read back as a match for that host, port and key', () => {
    const host = fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6(), fc.string({ minLength: 1, maxLength: 20 }));
    fc.assert(
      fc.property(host, fc.integer({ min: 1, max: 65535 }), keyType, fc.uint8Array({ minLength: 1, maxLength: 64 }), (h, port, type, rest) => {
        const blob = keyBlob(type, rest);
        let line: string;
        try {
          line = formatKnownHostsLine(h, port, type, blob);
        } catch (e) {
          // The writer refuses a host that would change the line's meaning; that is its contract.
          expect((e as Error).message).toMatch(/^Refusing to write/);
          return;
        }
        const parsed = parseKnownHosts(`${line}\n`, '/k');
        expect(parsed.skipped).toEqual([]);
        expect(lookupHostKey(parsed.entries, h, port, type, blob).status).toBe('match');
        const other = keyBlob(type, new Uint8Array([...rest, 1]));
        expect(lookupHostKey(parsed.entries, h, port, type, other).status).toBe('changed');
      }),
      fuzzParams,
    );
  });
});
