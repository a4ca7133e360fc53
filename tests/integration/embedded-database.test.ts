import t from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { createDatabase, PGLITE_SHARED_BUFFERS } from '../../src/adapters/postgres/database.ts';

// The embedded default runs PostgreSQL inside the service's own process, so its buffer cache is
// the service's memory (docs/decisions/0011): it must not start with PostgreSQL's 128 MB default.
t.test('the embedded PGlite engine starts with a small buffer cache and keeps its other defaults', async (t) => {
  const database = await createDatabase({});
  t.teardown(() => database.close());
  t.equal(database.kind, 'pglite');
  const setting = async (name: string) => (await sql<{ value: string }>`select current_setting(${name}) as value`.execute(database.db)).rows[0]?.value;
  t.equal(await setting('shared_buffers'), PGLITE_SHARED_BUFFERS);
  t.equal(PGLITE_SHARED_BUFFERS, '16MB', 'a sixteenth of the default');
  t.equal(await setting('search_path'), 'public', "PGlite's own start parameters are kept");
});

t.test('the same holds for a persistent database in a folder (what `npm start` uses)', async (t) => {
  const folder = await mkdtemp(join(tmpdir(), 'academy-pglite-'));
  const database = await createDatabase({ pgliteDir: join(folder, 'db') });
  t.teardown(async () => {
    await database.close();
    await rm(folder, { recursive: true, force: true });
  });
  const { rows } = await sql<{ value: string }>`select current_setting('shared_buffers') as value`.execute(database.db);
  t.equal(rows[0]?.value, PGLITE_SHARED_BUFFERS);
});
