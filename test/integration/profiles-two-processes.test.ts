import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandlerTable } from '../../shared/node/handlers';

/**
 * The app and the CLI changing profiles.json at the same moment: each read-modify-write holds the
 * file's lock, so none of the changes is lost. Several built CLIs (`npm run build`) add a profile
 * each while the app's handler table adds its own, all on one PORTWISE_HOME.
 */

const CLI = 'out/cli/portwise.cjs';
const CLIS = 6;
let home: string;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does).`);
  home = await mkdtemp(join(tmpdir(), 'pw-two-processes-'));
});
afterAll(() => rm(home, { recursive: true, force: true }));

function cliAdd(env: NodeJS.ProcessEnv, name: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'profiles', 'add', '--name', name, '--host', `${name}.example.com`, '--user', 'admin'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('profiles.json shared by the app and the CLI', () => {
  // Six CLIs start together on a 2-core runner: seconds, which is not what this test is about.
  it('every profile added at the same time by 6 CLIs and the app is kept', async () => {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, PORTWISE_HOME: join(home, 'portwise') };
    const table = createHandlerTable({ sink: { emit: () => undefined }, appInfo: { name: 'Portwise', version: '0', platform: 'linux' }, env });
    try {
      const clis = Array.from({ length: CLIS }, (_, i) => cliAdd(env, `cli-${i + 1}`));
      const app = Array.from({ length: 3 }, (_, i) => table.saveProfile({ fields: { name: `app-${i + 1}`, host: `app-${i + 1}.example.com`, user: 'admin' } }));
      const [cliResults, appResults] = await Promise.all([Promise.all(clis), Promise.all(app)]);
      for (const result of cliResults) expect(result, result.stderr).toMatchObject({ code: 0 });
      for (const result of appResults) expect(result).toMatchObject({ ok: true });

      const file = JSON.parse(await readFile(join(home, 'portwise', 'profiles.json'), 'utf8')) as { profiles: { id: string }[] };
      const expected = [...Array.from({ length: CLIS }, (_, i) => `cli-${i + 1}`), 'app-1', 'app-2', 'app-3'].sort();
      expect(file.profiles.map((p) => p.id).sort()).toEqual(expected);
      expect(existsSync(join(home, 'portwise', 'profiles.json.lock'))).toBe(false);
    } finally {
      table.dispose();
    }
  }, 30_000);
});
