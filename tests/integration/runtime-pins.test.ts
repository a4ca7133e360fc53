import t from 'tap';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

// One Node release everywhere it is named: .nvmrc, the Dockerfile's bases and the Node CI runs the suite on.
const ROOT = new URL('../..', import.meta.url).pathname;
const read = (path: string) => readFile(join(ROOT, path), 'utf8');

interface LockEntry { dev?: boolean; devOptional?: boolean; optional?: boolean; hasInstallScript?: boolean }
interface PackageJson { engines?: { node?: string }; dependencies?: Record<string, string>; devDependencies?: Record<string, string> }

const nodeRelease = (await read('.nvmrc')).trim();
const packageJson = JSON.parse(await read('package.json')) as PackageJson;
const lock = JSON.parse(await read('package-lock.json')) as { packages: Record<string, LockEntry> };

t.test('.nvmrc names an exact Node 24 LTS release', async (t) => {
  t.match(nodeRelease, /^24\.\d+\.\d+$/, `.nvmrc is an exact 24.x.y release (${nodeRelease})`);
});

t.test('the Dockerfile builds and runs on the release in .nvmrc', async (t) => {
  const bases = [...(await read('Dockerfile')).matchAll(/^FROM\s+(?:--\S+\s+)*(\S+)/gim)].map((m) => m[1]);
  t.ok(bases.length > 0, 'the Dockerfile has FROM lines');
  t.same([...new Set(bases)], [`node:${nodeRelease}-bookworm-slim`], 'every stage is node:<.nvmrc>-bookworm-slim');
});

t.test("CI's registry Node is the release in .nvmrc", async (t) => {
  const script = await read('scripts/ci/registry-node.sh');
  t.equal(/^NODE_VERSION=(\S+)$/m.exec(script)?.[1], nodeRelease, 'scripts/ci/registry-node.sh pins the same version');
  t.match(script, /^NODE_INTEGRITY=sha512-[A-Za-z0-9+/]+=*$/m, 'and pins its tarball by sha512');
});

t.test('engines declares the supported lines, 22 and 24', async (t) => {
  t.equal(packageJson.engines?.node, '^22.11.0 || >=24.11.0', 'engines.node is the maintained LTS lines from their first LTS release');
});

t.test('production dependencies carry no dev tool and no install script', async (t) => {
  t.notOk(packageJson.dependencies?.tsx, 'tsx is not a production dependency');
  t.ok(packageJson.devDependencies?.tsx, 'tsx is a devDependency (npm start and the tests load it)');
  const production = Object.entries(lock.packages).filter(([path, entry]) => path.startsWith('node_modules/') && !entry.dev && !entry.devOptional);
  t.ok(production.length > 0, 'the lockfile lists production packages');
  // Install scripts read and found unneeded at run time, so --ignore-scripts loses nothing:
  // protobufjs (through OpenTelemetry's OTLP/gRPC exporter) only prints a warning about its dependents' version ranges.
  const reviewedScripts = new Set(['node_modules/protobufjs']);
  const withScripts = production.filter(([path, entry]) => entry.hasInstallScript && !reviewedScripts.has(path)).map(([path]) => path);
  t.same(withScripts, [], 'no production package needs an install script, so the image installs with --ignore-scripts');
  t.notOk(production.some(([path]) => path === 'node_modules/tsx' || path.startsWith('node_modules/tsx/')), 'the production tree has no tsx');
});
