import t from 'tap';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadExampleAcademies } from '../../src/adapters/files/example-academies.ts';

const EXAMPLES = new URL('../../examples/academies.json', import.meta.url).pathname;

t.test('the bundled catalogue has what a newcomer should see', async (t) => {
  const academies = await loadExampleAcademies(EXAMPLES);
  t.ok(academies.length >= 5, 'at least five academies');
  t.ok(academies.some((a) => !a.isActive), 'one inactive');
  t.ok(academies.some((a) => a.thumbnailUrl !== '' && !/^https?:\/\//.test(a.thumbnailUrl)), 'one relative thumbnail path');
  t.ok(academies.every((a) => a.tags.length > 0), 'tags everywhere');
  t.ok(academies.some((a) => a.stripePriceLookupKey === 'essentials_data_yearly_jpy'), 'one priced in jpy');
});

t.test('a malformed example file names the offending entry', async (t) => {
  const dir = t.testdir({ 'academies.json': JSON.stringify([{ name: 'Ok' }, { name: 'Bad', slug: 'no spaces allowed' }]) });
  await t.rejects(loadExampleAcademies(join(dir, 'academies.json')), /academies\.json\/1\/slug/);
  await writeFile(join(dir, 'academies.json'), JSON.stringify([{ name: 'Ok', colour: 'red' }]));
  await t.rejects(loadExampleAcademies(join(dir, 'academies.json')), /academies\.json/, 'unknown fields are refused');
});
