/**
 * One error table (src/adapters/error-table.ts): every code the service throws is answered by it, over
 * HTTP and by the jobs alike, and nothing outside it decides a status.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { errorAnswer } from '../../src/adapters/error-table.ts';
import { jobFailure } from '../../src/cli/failure.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { REPO_ROOT } from '../helpers/service-process.ts';

const SRC = join(REPO_ROOT, 'src');
const sources = (readdirSync(SRC, { recursive: true, encoding: 'utf8' }) as string[])
  .filter((file) => file.endsWith('.ts'))
  .map((file) => ({ file, text: readFileSync(join(SRC, file), 'utf8') }));

/** Every `code` passed to a DomainError (directly or through a subclass's `super`), across src/. */
const thrownCodes = new Map<string, string>();
for (const { file, text } of sources) {
  for (const match of text.matchAll(/(?:super|Error)\(\s*'([a-z_]+\.[a-z_.]+)'/g)) thrownCodes.set(match[1] ?? '', file);
}

t.test('the codes are found (a scan that finds nothing proves nothing)', async (t) => {
  t.ok(thrownCodes.size >= 20, `${thrownCodes.size} codes thrown in src/`);
  t.ok(thrownCodes.has('checkout_intent.paid_mismatch') && thrownCodes.has('database.locked'), 'multi-line constructors included');
});

t.test('every code thrown in src/ has an answer in the table', async (t) => {
  for (const [code, file] of thrownCodes) {
    const answer = errorAnswer(new DomainError(code, 'message'));
    t.ok(answer, `${code} (${file})`);
    if (answer) t.ok(answer.status >= 400 && answer.status < 600, `${code} → ${answer.status}`);
  }
});

t.test('a job reports the same error_code the HTTP API answers with', async (t) => {
  for (const code of thrownCodes.keys()) {
    const error = new DomainError(code, 'message');
    const answer = errorAnswer(error);
    if (!answer?.errorCode) continue;
    t.equal(jobFailure('some-job', error).error_code, answer.errorCode, `${code} → ${answer.errorCode} in both`);
    t.match(answer.body(error), { error_code: answer.errorCode }, `${code}: the HTTP body carries it`);
  }
});

t.test('anything else is not answered by the table: the HTTP API says 502, a job <command>_failed', async (t) => {
  t.equal(errorAnswer(new DomainError('no.such_code', 'm')), undefined, 'an unknown code');
  t.equal(errorAnswer(new Error('a bug')), undefined, 'a plain error');
  t.equal(jobFailure('expire-intents', new Error('a bug')).error_code, 'expire_intents_failed');
});

t.test('no other place maps an error class to a status', async (t) => {
  // A file that both tests an error's class and writes a status or an error_code is a second table.
  // (`instanceof Error` only reads a message.) The one exception: an invalid configuration is the process's
  // failure, not a request's: exit 78 with `invalid_configuration` (src/cli/run-command.ts).
  const answers = /reply\.code\(|error_code:/;
  const classTest = /\binstanceof\s+(?!Error\b)\w+/;
  const allowed = new Set([join('adapters', 'error-table.ts'), join('cli', 'run-command.ts')]);
  const offenders = sources.filter(({ file, text }) => !allowed.has(file) && classTest.test(text) && answers.test(text));
  t.same(offenders.map(({ file }) => file), [], 'no file outside the table tests an error class and answers with a status or error_code');
});
