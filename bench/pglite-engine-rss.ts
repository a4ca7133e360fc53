/**
 * What the embedded PGlite engine alone adds to a process's RSS, in the same run as the service
 * it is set against (bench/service-rss.ts). The modules the service loads anyway (kysely, pg) come
 * first; then the engine opens the service's own database folder with the service's own settings
 * (createDatabase) and answers what the serving process asks of it: the snapshot's first query and
 * the version read, once every 50 ms for a second. Its RSS is taken then, settled, not during
 * start-up (which peaks higher and is over before any request is served).
 * Prints one JSON line, in MB:  PGLITE_DIR=… node --import tsx bench/pglite-engine-rss.ts
 */
import { sql } from 'kysely';
import { createDatabase } from '../src/adapters/postgres/database.ts';
import { statusMb } from './service-rss.ts';

const pgliteDir = process.env.PGLITE_DIR;
if (!pgliteDir) throw new Error('PGLITE_DIR is required');
const beforeMb = await statusMb('self', 'VmRSS');
const database = await createDatabase({ pgliteDir });
await sql`select * from academies order by display_order, name`.execute(database.db);
let openMb = 0;
for (let read = 0; read < 20; read += 1) {
  await sql`select version from catalogue_state`.execute(database.db);
  openMb = Math.max(openMb, await statusMb('self', 'VmRSS'));
  await new Promise((resolve) => setTimeout(resolve, 50));
}
await database.close();
process.stdout.write(`${JSON.stringify({ beforeMb, openMb })}\n`);
