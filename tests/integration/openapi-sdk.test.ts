import t from 'tap';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { generateSdk } from '../helpers/openapi-document.ts';

// The SDK is generated from the committed document into a fresh directory (no network: the
// generator reads the file and writes the directory), must equal the committed openapi/sdk/ that
// tests/e2e/generated-sdk.test.ts drives, and must compile as a front-end author would build it.

const COMMITTED_DOCUMENT = fileURLToPath(new URL('../../openapi/openapi.json', import.meta.url));
const COMMITTED_SDK = fileURLToPath(new URL('../../openapi/sdk', import.meta.url));

async function filesUnder(directory: string): Promise<Map<string, string>> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  const files = entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
  return new Map(await Promise.all(files.map(async (file) => [relative(directory, file), await readFile(file, 'utf8')] as const)));
}

/** Type errors of `files` compiled strictly with the DOM library, as in a browser front end (no Node types). */
function typeErrors(files: readonly string[]): string[] {
  const program = ts.createProgram([...files], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    types: [],
    skipLibCheck: false,
  });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

const USAGE = `
import { createClient, createConfig } from './client/index.js';
import { createCheckoutIntent, listAcademyProducts, type CheckoutIntentState } from './index.js';
const client = createClient(createConfig({ baseUrl: 'https://billing.example.test', auth: () => 'token' }));
export async function use(): Promise<number> {
  const list = await listAcademyProducts({ client, query: { tag: ['data'] }, headers: { 'if-none-match': '"x"' } });
  const created = await createCheckoutIntent({ client, body: { quantity: 2 } });
  const state: CheckoutIntentState | undefined = created.data?.state;
  return (list.data?.count ?? 0) + (state === 'paid' ? 1 : 0);
}
`;

t.test('the SDK generated from the committed document is the committed openapi/sdk/ (run `npm run openapi`), and compiles', async (t) => {
  const directory = await mkdtemp(join(tmpdir(), 'academy-billing-sdk-'));
  t.teardown(() => rm(directory, { recursive: true, force: true }));
  await generateSdk(COMMITTED_DOCUMENT, directory);

  const fresh = await filesUnder(directory);
  const committed = await filesUnder(COMMITTED_SDK);
  t.same([...fresh.keys()].sort(), [...committed.keys()].sort(), 'the same files');
  for (const [file, text] of fresh) t.equal(committed.get(file), text, `${file} is as generated`);

  await writeFile(join(directory, 'usage.ts'), USAGE);
  t.same(typeErrors([join(directory, 'index.ts'), join(directory, 'usage.ts')]), [], 'the SDK and a typed use of it compile strictly');
});

t.test('control: the compiled SDK refuses a call the document does not allow', async (t) => {
  const directory = await mkdtemp(join(tmpdir(), 'academy-billing-sdk-'));
  t.teardown(() => rm(directory, { recursive: true, force: true }));
  await generateSdk(COMMITTED_DOCUMENT, directory);
  await writeFile(
    join(directory, 'misuse.ts'),
    `import { createCheckoutIntent } from './index.js';\nexport const call = () => createCheckoutIntent({ body: { enterprise_slug: 'acme' } });\n`,
  );
  const errors = typeErrors([join(directory, 'misuse.ts')]);
  t.match(errors.join('\n'), /quantity/, 'a body without the required quantity does not compile');
});
