// The child process of profile-store.kill.test.ts, bundled with Vite and run under plain Node: it
// changes profiles.json as fast as it can until it is killed. Usage: node write-loop.mjs PORTWISE_HOME
import { openProfileStore } from '../../../shared/node/store/profile-store';

const home = process.argv[2];
if (!home) throw new Error('usage: write-loop.mjs PORTWISE_HOME');
const store = openProfileStore({ env: { PORTWISE_HOME: home }, onNotice: (n) => process.stderr.write(`${n.message}\n`) });

const must = <T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T => {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

const found = await store.get('counter');
const existing = found.ok ? found.value : must(await store.add({ name: 'counter', host: 'counter.example.com', user: 'admin', notes: '0' }));
let n = Number(existing.notes);
for (;;) {
  n++;
  // The counter only grows: the parent checks that no kill ever takes it backwards.
  must(await store.edit('counter', { notes: String(n) }));
  // Some adds and removes too, so the file's size changes under the kill.
  if (n % 3 === 0) must(await store.add({ name: `web ${n}`, host: `web${n}.example.com`, user: 'admin', tags: ['loop'] }));
  if (n % 3 === 2) {
    const extra = must(await store.list()).filter((p) => p.id !== 'counter');
    for (const p of extra) must(await store.remove(p.id));
  }
  process.stdout.write(`${n}\n`);
}
