import t, { type Test } from 'tap';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { EnvSchema } from '../../src/config/env-schema.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { buildTestApp } from '../helpers/build-test-app.ts';
import { fakePriceSource } from '../helpers/fake-price-source.ts';
import { inMemoryAcademyRepository } from '../helpers/in-memory-academy-repository.ts';
import { kubernetesSchemaProblems } from '../helpers/kubernetes-schema.ts';

// The Dockerfile and every overlay of deploy/ as `kubectl kustomize` renders it, checked against the
// code and the Kubernetes API schemas: nothing here can drift silently.
const ROOT = new URL('../..', import.meta.url).pathname;
const DEPLOY = join(ROOT, 'deploy');
/** Belong in the Secret, never the ConfigMap: credentials, or URLs that may embed one. */
const SENSITIVE = ['DATABASE_URL', 'MIGRATION_DATABASE_URL', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'CATALOG_CLIENT_SECRET', 'JWT_SECRET_KEY', 'REDIS_URL'];
/** Variables the manifests may set that loadConfig does not read: Node's own and OpenTelemetry's (docs/decisions/0019). */
const PROCESS_VARIABLES = ['NODE_OPTIONS', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_SERVICE_NAME'];
const SCHEDULED_COMMANDS = ['sync', 'expire-intents', 'mark-stalled-intents', 'reconcile-checkout-sessions'];

type Labels = Record<string, string>;
interface KeyRef { name: string; key: string; optional?: boolean }
interface Probe { httpGet?: { path?: string; port?: string | number } }
interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { drop?: string[] };
  seccompProfile?: { type?: string };
}
interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: KeyRef; configMapKeyRef?: KeyRef } }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  securityContext?: SecurityContext;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  lifecycle?: { preStop?: { exec?: { command?: string[] }; sleep?: { seconds?: number } } };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}
interface PodTemplate {
  metadata?: { labels?: Labels };
  spec: {
    containers: Container[];
    initContainers?: Container[];
    securityContext?: SecurityContext;
    restartPolicy?: string;
    automountServiceAccountToken?: boolean;
    terminationGracePeriodSeconds?: number;
    volumes?: Array<{ name: string; emptyDir?: object }>;
  };
}
interface JobSpec { backoffLimit?: number; activeDeadlineSeconds?: number; template: PodTemplate }
interface Manifest<S = Record<string, unknown>> {
  /** Where a message points: `<overlay>: <Kind>/<name>`. */
  file: string;
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Labels };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec: S;
}
interface DeploymentSpec {
  replicas?: number;
  selector: { matchLabels: Labels };
  strategy?: { type?: string; rollingUpdate?: { maxUnavailable?: number | string } };
  template: PodTemplate;
}
interface ServiceSpec { type?: string; clusterIP?: string; selector: Labels; ports: Array<{ name?: string; port: number; targetPort: string | number }> }
interface NetworkPolicyPeer { namespaceSelector?: { matchLabels?: Labels }; podSelector?: object }
interface NetworkPolicySpec {
  podSelector: { matchLabels?: Labels; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> };
  policyTypes?: string[];
  ingress?: Array<{ from?: NetworkPolicyPeer[]; ports?: Array<{ port?: string | number; protocol?: string }> }>;
}
interface Workload { file: string; kind: string; name: string; pod: PodTemplate; job?: JobSpec; concurrencyPolicy?: string }

const execFileAsync = promisify(execFile);
// kubectl, the TypeScript checker and three processes for every overlay: minutes on a loaded machine.
t.setTimeout(600_000);

/** Every overlay under deploy/overlays/. */
async function overlays(): Promise<string[]> {
  return (await readdir(join(DEPLOY, 'overlays'), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

/**
 * `kubectl kustomize deploy/overlays/<overlay>`: what `kubectl apply -k` would send. kubectl is on every
 * machine of this project's kind (with kustomize v5); without it this fails rather than skips.
 */
async function render(overlay: string): Promise<Manifest[]> {
  const { stdout } = await execFileAsync('kubectl', ['kustomize', join(DEPLOY, 'overlays', overlay)], { maxBuffer: 16 * 2 ** 20 });
  return parseManifests(stdout, (m) => `${overlay}: ${m.kind}/${m.metadata.name}`);
}

function parseManifests(text: string, fileOf: (m: Omit<Manifest, 'file'>) => string): Manifest[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join('; '));
    const m = doc.toJS() as Omit<Manifest, 'file'> | null;
    return m === null ? [] : [{ ...m, file: fileOf(m) }];
  });
}

function workloadsOf(manifests: readonly Manifest[]): Workload[] {
  return manifests.flatMap((m): Workload[] => {
    const base = { file: m.file, kind: m.kind, name: m.metadata.name };
    if (m.kind === 'Deployment') return [{ ...base, pod: (m.spec as unknown as DeploymentSpec).template }];
    if (m.kind === 'Job') return [{ ...base, job: m.spec as unknown as JobSpec, pod: (m.spec as unknown as JobSpec).template }];
    if (m.kind !== 'CronJob') return [];
    const cron = m.spec as unknown as { concurrencyPolicy?: string; jobTemplate: { spec: JobSpec } };
    return [{ ...base, job: cron.jobTemplate.spec, pod: cron.jobTemplate.spec.template, concurrencyPolicy: cron.concurrencyPolicy }];
  });
}

const containersOf = (w: Workload) => [...(w.pod.spec.initContainers ?? []), ...w.pod.spec.containers];

interface Stage { image: string; name: string | undefined; instructions: Array<{ keyword: string; args: string }> }

/** Enough of the Dockerfile grammar for this file: comments, line continuations, stages. */
function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = `${pending}${line}`.trim();
    pending = '';
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(full) ?? [];
    if (keyword.toUpperCase() === 'FROM') {
      const [, image = '', name] = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/i.exec(args) ?? [];
      stages.push({ image, name, instructions: [] });
    } else if (keyword) stages.at(-1)?.instructions.push({ keyword: keyword.toUpperCase(), args });
  }
  return stages;
}

const argsOf = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
const execForm = (args: string | undefined): string[] | null => (args?.trim().startsWith('[') ? (JSON.parse(args) as string[]) : null);
const stripDot = (path: string) => normalize(path).replace(/^\.\/|\/$/g, '');

function parseCopy(args: string): { from: string | undefined; sources: string[]; dest: string } {
  const flags = /^((?:--\S+\s+)*)(.*)$/.exec(args.trim()) ?? [];
  const from = /--from=(\S+)/.exec(flags[1] ?? '')?.[1];
  const words = execForm(flags[2]) ?? (flags[2] ?? '').split(/\s+/);
  return { from, sources: words.slice(0, -1), dest: words.at(-1) ?? '' };
}

/** .dockerignore semantics: the last matching pattern wins; a match on a parent directory excludes its files. */
function excludedFromContext(patterns: readonly string[], path: string): boolean {
  const prefixes = path.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
  let excluded = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const glob = (negated ? raw.slice(1) : raw).replace(/^\/+|\/+$/g, '');
    const source = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\0').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
    if (prefixes.some((p) => new RegExp(`^${source.replace(/\0/g, '.*')}$`).test(p))) excluded = !negated;
  }
  return excluded;
}

function runNode(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** The subcommands the usage line names: `usage: academy-billing <serve | migrate | sync [--dry-run] | …>`. */
function subcommandsIn(usage: string): string[] {
  // The usage lists one command per line under "Commands:", up to the next blank line.
  const section = usage.split(/^Commands:$/m)[1]?.split(/\n\s*\n/)[0] ?? '';
  return section.split('\n').map((line) => line.trim().split(/\s+/)[0] ?? '').filter((word) => /^[a-z][a-z0-9-]*$/.test(word));
}

function bytes(quantity: string | undefined): number {
  const [, amount = 'NaN', unit = ''] = /^(\d+(?:\.\d+)?)([KMGT]i?)?$/.exec(quantity ?? '') ?? [];
  const scale: Record<string, number> = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
  return Number(amount) * (scale[unit] ?? Number.NaN);
}

const isSubset = (labels: Labels, of: Labels | undefined) => Object.entries(labels).every(([key, value]) => of?.[key] === value);

const stages = parseDockerfile(await readFile(join(ROOT, 'Dockerfile'), 'utf8'));
const lastStage = stages.at(-1);
if (!lastStage) throw new Error('the Dockerfile has no FROM');
const finalStage: Stage = lastStage;
const entrypoint = execForm(argsOf(finalStage, 'ENTRYPOINT').at(-1)) ?? [];
const defaultArgs = execForm(argsOf(finalStage, 'CMD').at(-1)) ?? [];
const entryScript = [...entrypoint, ...defaultArgs].find((arg) => arg.endsWith('.js')) ?? '(none)';
const imageUser = argsOf(finalStage, 'USER').at(-1) ?? 'root';
const usage = await runNode(['--import', 'tsx', 'src/main.ts']);
const subcommands = subcommandsIn(usage.stderr);
// The Secret is created out of band (never rendered): its shape is deploy/base/secret.example.yaml.
const [secretExample] = parseManifests(await readFile(join(DEPLOY, 'base/secret.example.yaml'), 'utf8'), () => 'secret.example.yaml');
if (!secretExample) throw new Error('deploy/base/secret.example.yaml has no Secret');
const secret: Manifest = secretExample;
const secretKeys = Object.keys({ ...secret.data, ...secret.stringData });

/** The argv a container runs: `command` replaces the image's ENTRYPOINT, `args` its CMD (dropped when only `command` is set). */
function subcommandOf(container: Container): string | undefined {
  const argv = [...(container.command ?? entrypoint), ...(container.args ?? (container.command ? [] : defaultArgs))];
  return argv.includes(entryScript) ? argv[argv.indexOf(entryScript) + 1] : undefined;
}

t.test('the CLI usage lists the subcommands the manifests are checked against', async (t) => {
  t.equal(usage.code, 2, 'the CLI without arguments exits 2');
  t.ok(subcommands.includes('serve') && subcommands.includes('migrate'), `serve and migrate are among ${subcommands.join(', ')}`);
});

t.test('the Secret example holds exactly the sensitive variables, as placeholders that cannot run', async (t) => {
  t.same([...secretKeys].sort(), [...SENSITIVE].sort(), 'the Secret has every sensitive variable and nothing else');
  for (const [key, value] of Object.entries({ ...secret.stringData, ...secret.data })) {
    t.match(value, /REPLACE_ME/, `${key} is a REPLACE_ME placeholder`);
    t.notMatch(value, /(sk|rk)_live_|whsec_\w{8}/, `${key} does not look like a real key`);
  }
  let problems: readonly string[] = [];
  try {
    loadConfig({ ...secret.stringData });
  } catch (error) {
    if (error instanceof ConfigError) problems = error.problems;
  }
  t.ok(problems.some((p) => p.startsWith('DATABASE_URL')), 'the unedited example stops at start-up, naming DATABASE_URL');
});

const withoutFile = ({ file: _file, ...object }: Manifest) => object;

t.test('the schema check fails on a misspelled field and on a mistyped value', async (t) => {
  const broken = (await render('production')).map(withoutFile) as unknown as Array<Manifest<DeploymentSpec>>;
  const deployment = broken.find((m) => m.kind === 'Deployment');
  const container = deployment?.spec.template.spec.containers[0] as (Container & { livenessProb?: Probe }) | undefined;
  if (!deployment || !container) throw new Error('no Deployment container');
  container.livenessProb = container.livenessProbe;
  delete container.livenessProbe;
  deployment.spec.replicas = '2' as unknown as number;
  const problems = await kubernetesSchemaProblems(broken);
  t.ok(problems.some((p) => p.includes('livenessProb') && p.includes('IContainer')), `a misspelled livenessProb fails (${problems.join('; ')})`);
  t.ok(problems.some((p) => p.includes('replicas must be integer')), 'a string replica count fails');
});

const overlayNames = await overlays();
t.ok(['staging', 'production'].every((name) => overlayNames.includes(name)), `staging and production are among the overlays (${overlayNames.join(', ')})`);
for (const overlay of overlayNames) {
  t.test(`overlay ${overlay}`, async (t) => checkOverlay(t, overlay, await render(overlay)));
}

t.test('the image runs the compiled CLI in exec form with a real default subcommand', async (t) => {
  t.equal(entrypoint[0], 'node', 'ENTRYPOINT is exec form starting with node, so node is PID 1 and gets SIGTERM');
  t.equal(entryScript, 'dist/src/main.js', 'the entry script is the build output of src/main.ts');
  const subcommand = subcommandOf({ name: 'default' });
  t.ok(subcommand && subcommands.includes(subcommand), `the default subcommand "${subcommand}" is real`);
  t.ok(!entrypoint.some((arg) => subcommands.includes(arg)), 'the subcommand is in CMD, so `docker run <image> sync` replaces only it');
});

t.test('the image runs as a numeric non-root user', async (t) => {
  t.match(imageUser, /^\d+(:\d+)?$/, `USER ${imageUser} is numeric, which runAsNonRoot can verify`);
  t.not(Number(imageUser.split(':')[0]), 0, 'USER is not root');
});

t.test('the build stage compiles with every dependency; the image installs production ones only', async (t) => {
  const [build] = stages;
  t.equal(stages.length, 2, 'two stages');
  const nodeRelease = (await readFile(join(ROOT, '.nvmrc'), 'utf8')).trim();
  t.ok(stages.every((s) => s.image === `node:${nodeRelease}-bookworm-slim`), `both stages use node:${nodeRelease}-bookworm-slim, the release in .nvmrc`);
  t.ok(build && argsOf(build, 'RUN').some((run) => /npm ci(?!.*--omit)/.test(run)), 'the build stage runs npm ci');
  t.ok(build && argsOf(build, 'RUN').some((run) => run.includes('npm run build')), 'the build stage runs npm run build');
  t.ok(argsOf(finalStage, 'RUN').some((run) => run.includes('npm ci --omit=dev --ignore-scripts')), 'the image runs npm ci --omit=dev --ignore-scripts');
  t.ok(argsOf(finalStage, 'ENV').some((env) => /NODE_ENV[= ]production/.test(env)), 'NODE_ENV is production');
});

t.test('every COPY names a path in the build context or the build output', async (t) => {
  const ignore = (await readFile(join(ROOT, '.dockerignore'), 'utf8')).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const tsconfig = JSON.parse(await readFile(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { extends?: string; include?: string[] };
  const base = JSON.parse(await readFile(join(ROOT, stripDot(tsconfig.extends ?? 'tsconfig.json')), 'utf8')) as { compilerOptions: { outDir: string } };
  const copiedByStage = stages.map(() => new Set<string>());
  for (const [index, stage] of stages.entries()) {
    const workdir = argsOf(stage, 'WORKDIR').at(-1) ?? '/';
    for (const copy of argsOf(stage, 'COPY').map(parseCopy)) {
      if (copy.from) {
        const source = stages.find((s) => s.name === copy.from);
        t.ok(source, `COPY --from=${copy.from} names a stage`);
        for (const path of copy.sources) t.equal(path, join(argsOf(source ?? stage, 'WORKDIR').at(-1) ?? '/', base.compilerOptions.outDir), `${path} is the build's outDir`);
        t.equal(stripDot(copy.dest), base.compilerOptions.outDir, `the build output lands in ${workdir}/${base.compilerOptions.outDir}, where the entry script is`);
        continue;
      }
      for (const path of copy.sources.map(stripDot)) {
        copiedByStage[index]?.add(path);
        t.ok(existsSync(join(ROOT, path)), `${path} exists in the repository`);
        t.notOk(excludedFromContext(ignore, path), `${path} is not excluded by .dockerignore`);
      }
    }
  }
  const needed = ['package.json', 'package-lock.json', 'tsconfig.build.json', stripDot(tsconfig.extends ?? ''), ...(tsconfig.include ?? []).map(stripDot)];
  for (const path of needed) t.ok(copiedByStage[0]?.has(path), `the build stage copies ${path}, which the build needs`);
  for (const path of ['package.json', 'package-lock.json', 'examples']) t.ok(copiedByStage.at(-1)?.has(path), `the image copies ${path}`);
  for (const path of ['.env', 'node_modules', '.data', 'dist', '.git', '.tap']) t.ok(excludedFromContext(ignore, path), `.dockerignore keeps ${path} out of the build context`);
});

t.test("the build output's entry script runs and lists the same subcommands", async (t) => {
  // A fresh directory per run (parallel runs must not share it) that resolves packages from the repository.
  const scratch = await mkdtemp(join(tmpdir(), 'academy-billing-build-'));
  t.teardown(() => rm(scratch, { recursive: true, force: true }));
  await symlink(join(ROOT, 'node_modules'), join(scratch, 'node_modules'), 'dir');
  const outDir = join(scratch, 'dist');
  const build = await runNode([join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir]);
  t.equal(build.code, 0, `tsc -p tsconfig.build.json succeeds${build.stdout ? `:\n${build.stdout}` : ''}`);
  const built = await runNode([join(outDir, entryScript.replace(/^dist\//, ''))]);
  t.equal(built.code, 2, 'the compiled CLI without arguments exits 2');
  t.same(subcommandsIn(built.stderr), subcommands, `the compiled CLI prints the same usage (${built.stderr.trim()})`);
});

/** Every check of one rendered overlay. */
async function checkOverlay(t: Test, overlay: string, manifests: readonly Manifest[]): Promise<void> {
const workloads = workloadsOf(manifests);
const ofKind = (kind: string) => manifests.filter((m) => m.kind === kind);
const [deployment] = ofKind('Deployment') as unknown as Array<Manifest<DeploymentSpec>>;
const [configMap] = ofKind('ConfigMap');
const [namespace] = ofKind('Namespace');
if (!deployment || !configMap || !namespace) throw new Error(`${overlay} renders no Deployment, ConfigMap or Namespace`);
const configData = configMap.data ?? {};
const port = Number(configData.PORT ?? EnvSchema.properties.PORT.default);
/** The port `serve` serves /metrics on, which the manifests must keep off the public Service (issue 15). */
const metricsPort = Number(configData.METRICS_PORT ?? EnvSchema.properties.METRICS_PORT.default);
const apiContainer = deployment.spec.template.spec.containers[0];
if (!apiContainer) throw new Error('the Deployment has no container');
const services = ofKind('Service') as unknown as Array<Manifest<ServiceSpec>>;
const publicService = services.find((s) => s.metadata.name === deployment.metadata.name);
const metricsServices = services.filter((s) => s !== publicService);

/**
 * The Secret keys a command reads, and so the only ones its pods get: serve everything its routes use
 * (not the migration role); migrate only the migration role (buildMigrator opens nothing else); sync the
 * database and, with CATALOG_API_URL set, the catalog client's secret; the intent jobs the database.
 */
function secretsNeededBy(subcommand: string | undefined): string[] {
  if (subcommand === 'serve') return SENSITIVE.filter((key) => key !== 'MIGRATION_DATABASE_URL');
  if (subcommand === 'migrate') return ['MIGRATION_DATABASE_URL'];
  if (subcommand === 'sync') return ['DATABASE_URL', ...(configData.CATALOG_API_URL ? ['CATALOG_CLIENT_SECRET'] : [])];
  if (subcommand === 'reconcile-checkout-sessions') return ['DATABASE_URL', 'STRIPE_SECRET_KEY'];
  return ['DATABASE_URL'];
}

await t.test('every object is valid against the Kubernetes API schemas, unknown fields included', async (t) => {
  t.same(await kubernetesSchemaProblems(manifests.map(withoutFile)), [], `${manifests.length} objects are valid`);
});

await t.test('every object has an apiVersion, a kind, a name, and the overlay\'s namespace', async (t) => {
  const kinds = new Set(manifests.map((m) => m.kind));
  for (const kind of ['Namespace', 'ConfigMap', 'Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy', 'Job', 'CronJob']) {
    t.ok(kinds.has(kind), `there is a ${kind}`);
  }
  t.notOk(kinds.has('Secret'), 'no Secret: it is created out of band');
  t.match(namespace.metadata.name, /^[a-z0-9-]+$/, `the namespace is ${namespace.metadata.name}`);
  t.equal(namespace.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'restricted', 'which enforces the restricted Pod Security profile');
  for (const m of manifests.filter((m) => m !== namespace)) {
    t.ok(m.apiVersion && m.kind && m.metadata.name, `${m.file}: has apiVersion, kind and name`);
    t.equal(m.metadata.namespace, namespace.metadata.name, `${m.file}: in ${namespace.metadata.name}`);
  }
});

await t.test('one image and tag for every workload, which also names the migration Job', async (t) => {
  const image = apiContainer.image ?? '';
  const [, tag = ''] = /:([^:/@]+)$/.exec(image) ?? [];
  t.match(tag, /^[a-z0-9][a-z0-9.-]*$/, `the Deployment's image ${image} has a release tag valid in a name`);
  for (const w of workloads) for (const c of containersOf(w)) t.equal(c.image, image, `${w.file}: runs ${image}`);
  const jobs = ofKind('Job');
  t.equal(jobs.length, 1, 'one migration Job');
  t.equal(jobs[0]?.metadata.name, `academy-billing-migrate-${tag}`, 'named after the release, so each release runs it once');
});

await t.test('the ConfigMap is generated: its name carries a hash of its content', async (t) => {
  t.match(configMap.metadata.name, /^academy-billing-config-[a-z0-9]{10}$/, `${configMap.metadata.name} has a content hash`);
  const names = workloads.flatMap((w) => containersOf(w).flatMap((c) => (c.envFrom ?? []).flatMap((e) => (e.configMapRef ? [e.configMapRef.name] : []))));
  t.ok(names.length >= workloads.length && names.every((name) => name === configMap.metadata.name), 'every workload reads it by that name, so a change rolls the pods');
  t.equal(configData.MIGRATE_ON_SERVE, 'false', 'serve does not migrate: the migration Job does, as the migration role');
});

await t.test('every container runs a subcommand the CLI knows, through the image entry point', async (t) => {
  for (const w of workloads) {
    for (const c of containersOf(w)) {
      const subcommand = subcommandOf(c);
      t.ok(subcommand && subcommands.includes(subcommand), `${w.file}: "${subcommand}" is one of ${subcommands.join(', ')}`);
    }
  }
});

await t.test('a migration Job runs before rollout and a CronJob runs each scheduled command', async (t) => {
  const jobs = workloads.filter((w) => w.kind === 'Job').flatMap((w) => w.pod.spec.containers.map(subcommandOf));
  const cronJobs = workloads.filter((w) => w.kind === 'CronJob').flatMap((w) => w.pod.spec.containers.map(subcommandOf));
  t.ok(jobs.includes('migrate'), 'a Job runs migrate');
  for (const command of SCHEDULED_COMMANDS) t.ok(cronJobs.includes(command), `a CronJob runs ${command}`);
});

await t.test('jobs are bounded, retried a few times and never overlap', async (t) => {
  for (const w of workloads.filter((w) => w.job)) {
    t.ok((w.job?.backoffLimit ?? -1) >= 0, `${w.file}: backoffLimit is set`);
    t.ok((w.job?.activeDeadlineSeconds ?? 0) > 0, `${w.file}: activeDeadlineSeconds is set`);
    t.ok(['Never', 'OnFailure'].includes(w.pod.spec.restartPolicy ?? ''), `${w.file}: restartPolicy is Never or OnFailure`);
    if (w.kind === 'CronJob') t.equal(w.concurrencyPolicy, 'Forbid', `${w.file}: concurrencyPolicy is Forbid`);
  }
});

await t.test('the probes use /healthz and /readyz, which answer 200 on the app', async (t) => {
  t.equal(apiContainer.livenessProbe?.httpGet?.path, '/healthz', 'liveness is /healthz (no I/O)');
  t.equal(apiContainer.readinessProbe?.httpGet?.path, '/readyz', 'readiness is /readyz (asks the database)');
  t.ok(apiContainer.startupProbe?.httpGet?.path, 'a startup probe guards the start-up');
  const app = await buildTestApp({ academies: inMemoryAcademyRepository(), prices: fakePriceSource([]) });
  t.teardown(() => app.close());
  for (const probe of [apiContainer.livenessProbe, apiContainer.readinessProbe, apiContainer.startupProbe]) {
    const url = probe?.httpGet?.path ?? '(none)';
    t.equal((await app.inject({ url })).statusCode, 200, `GET ${url} answers 200`);
  }
});

await t.test('the readiness path answers 503 while the database is down', async (t) => {
  const app = await buildTestApp({
    academies: inMemoryAcademyRepository(),
    prices: fakePriceSource([]),
    checkReadiness: () => Promise.reject(new Error('database down')),
  });
  t.teardown(() => app.close());
  const url = apiContainer.readinessProbe?.httpGet?.path ?? '(none)';
  t.equal((await app.inject({ url })).statusCode, 503, `GET ${url} answers 503`);
});

await t.test('probes, the Service and the image name the container port the app listens on', async (t) => {
  const declared = new Map((apiContainer.ports ?? []).map((p) => [p.name, p.containerPort]));
  for (const [kind, probe] of Object.entries({ liveness: apiContainer.livenessProbe, readiness: apiContainer.readinessProbe, startup: apiContainer.startupProbe })) {
    const name = probe?.httpGet?.port;
    t.equal(typeof name === 'string' ? declared.get(name) : undefined, port, `the ${kind} probe port "${name}" is a named container port on PORT ${port}`);
  }
  for (const service of services) t.ok(isSubset(service.spec.selector, deployment.spec.template.metadata?.labels), `${service.file}: the selector matches the Deployment's pods`);
  t.same(publicService?.spec.ports.map((p) => declared.get(String(p.targetPort))), [port], 'the public Service exposes the API port alone');
  t.ok(argsOf(finalStage, 'EXPOSE').join(' ').split(/\s+/).includes(String(port)), `the image exposes ${port}`);
});

await t.test('the metrics port is scraped, never public', async (t) => {
  t.not(metricsPort, 0, 'METRICS_PORT is not 0 (no listener) where Prometheus scrapes');
  t.equal(apiContainer.ports?.find((p) => p.name === 'metrics')?.containerPort, metricsPort, `the container port "metrics" is METRICS_PORT ${metricsPort}`);
  t.notOk(publicService?.spec.ports.some((p) => p.targetPort === 'metrics' || p.targetPort === metricsPort), 'the public Service does not expose it');
  t.equal(metricsServices.length, 1, 'one metrics Service');
  const [metrics] = metricsServices;
  t.equal(metrics?.spec.clusterIP, 'None', `${metrics?.file}: headless (endpoints for the scraper, no load-balanced address)`);
  t.same(metrics?.spec.ports.map((p) => p.targetPort), ['metrics'], `${metrics?.file}: only the metrics port`);
  type ServiceMonitorSpec = { selector: { matchLabels: Labels }; endpoints: Array<{ port?: string; path?: string }> };
  for (const monitor of ofKind('ServiceMonitor') as unknown as Array<Manifest<ServiceMonitorSpec>>) {
    t.ok(metrics && isSubset(monitor.spec.selector.matchLabels, metrics.metadata.labels), `${monitor.file}: selects the metrics Service`);
    t.notOk(publicService && isSubset(monitor.spec.selector.matchLabels, publicService.metadata.labels), `${monitor.file}: not the public one`);
    t.same(monitor.spec.endpoints.map((e) => [e.port, e.path]), [['metrics', '/metrics']], `${monitor.file}: scrapes /metrics on the metrics port`);
  }
});

await t.test('/docs and /openapi.json are switched explicitly, and off in production', async (t) => {
  t.ok(['true', 'false'].includes(configData.DOCS_ENABLED ?? ''), `DOCS_ENABLED is set, not left to the default (${configData.DOCS_ENABLED})`);
  if (overlay.startsWith('production')) t.equal(configData.DOCS_ENABLED, 'false', 'production serves no API documentation');
});

await t.test('the NetworkPolicy admits the ingress controller to the API port and monitoring to the metrics port, nothing else', async (t) => {
  const policies = ofKind('NetworkPolicy') as unknown as Array<Manifest<NetworkPolicySpec>>;
  const podLabels = deployment.spec.template.metadata?.labels ?? {};
  const api = policies.find((p) => p.spec.podSelector.matchLabels && isSubset(p.spec.podSelector.matchLabels, podLabels));
  t.same(api?.spec.policyTypes, ['Ingress'], `${api?.file}: restricts ingress to the API pods`);
  const rules = (api?.spec.ingress ?? []).map((rule) => ({
    namespaces: (rule.from ?? []).map((peer) => (peer.podSelector ? 'a pod selector' : peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] ?? 'any')),
    ports: (rule.ports ?? []).map((p) => p.port),
  }));
  t.same(rules.map((r) => r.ports), [['http'], ['metrics']], 'two rules: the API port, the metrics port');
  t.ok(rules.every((r) => r.namespaces.length === 1 && !['any', 'a pod selector'].includes(r.namespaces[0] ?? 'any')), `each from one named namespace (${JSON.stringify(rules)})`);
  const jobs = policies.find((p) => p !== api);
  const jobPods = workloads.filter((w) => w.kind !== 'Deployment').map((w) => w.pod.metadata?.labels ?? {});
  const selects = (labels: Labels) =>
    (jobs?.spec.podSelector.matchExpressions ?? []).every((e) => (e.operator === 'In') === (e.values ?? []).includes(labels[e.key] ?? ''));
  t.ok(jobs && jobPods.length > 0 && jobPods.every(selects), `${jobs?.file}: selects every Job and CronJob pod`);
  t.notOk(selects(podLabels), `${jobs?.file}: but not the API pods`);
  t.same([jobs?.spec.policyTypes, jobs?.spec.ingress ?? []], [['Ingress'], []], `${jobs?.file}: and admits nothing to them`);
});

await t.test('every variable the manifests set is in the configuration schema', async (t) => {
  // Read by Node.js and the tracing preload, not by loadConfig: NODE_OPTIONS and the standard OTEL_* variables.
  const known = new Set([...Object.keys(EnvSchema.properties), ...PROCESS_VARIABLES]);
  t.match(configData.NODE_OPTIONS, /^--import=\.\/dist\/src\/adapters\/tracing\/register\.js --max-old-space-size=\d+ --max-semi-space-size=\d+$/, 'NODE_OPTIONS preloads the tracing register module and caps the heap (old and young generation)');
  t.ok(existsSync(join(ROOT, 'src/adapters/tracing/register.ts')), 'whose source exists (tsc builds it to dist/src/adapters/tracing/register.js)');
  const set = [
    ...Object.keys(configData).map((key) => ['configmap', key]),
    ...secretKeys.map((key) => ['secret', key]),
    ...workloads.flatMap((w) => containersOf(w).flatMap((c) => (c.env ?? []).map((e) => [w.file, e.name]))),
  ];
  for (const [where, key] of set) t.ok(known.has(key ?? ''), `${where}: ${key} is a key of EnvSchema`);
});

await t.test("the ConfigMap's values pass the service's own start-up validation", async (t) => {
  const check = () => loadConfig({ ...configData, DATABASE_URL: 'postgres://app@db.example.test/academy_billing' });
  t.doesNotThrow(check, 'loadConfig accepts the ConfigMap with a database URL');
  for (const key of SENSITIVE) t.notOk(key in configData, `${key} is not in the ConfigMap`);
});

await t.test('every workload gets exactly the Secret keys its command reads, its database URL as a required key', async (t) => {
  const referenced = new Set<string>();
  for (const w of workloads) {
    for (const c of containersOf(w)) {
      const subcommand = subcommandOf(c);
      t.notOk((c.envFrom ?? []).some((s) => s.secretRef), `${w.file}: no envFrom of a whole Secret`);
      const fromEnv = (c.env ?? []).flatMap((e) => (e.valueFrom?.secretKeyRef ? [{ ...e.valueFrom.secretKeyRef, variable: e.name }] : []));
      for (const ref of fromEnv) t.equal(ref.name, secret.metadata.name, `${w.file}: ${ref.key} comes from ${secret.metadata.name}`);
      for (const ref of fromEnv) t.equal(ref.variable, ref.key, `${w.file}: the key ${ref.key} is the variable of that name`);
      fromEnv.forEach((ref) => referenced.add(ref.key));
      t.same(fromEnv.map((ref) => ref.key).sort(), secretsNeededBy(subcommand).sort(), `${w.file}: ${subcommand} gets ${secretsNeededBy(subcommand).join(', ')} and nothing else`);
      const databaseKey = subcommand === 'migrate' ? 'MIGRATION_DATABASE_URL' : 'DATABASE_URL';
      const database = fromEnv.find((ref) => ref.key === databaseKey);
      t.ok(database && database.optional !== true, `${w.file}: ${databaseKey} is a required secretKeyRef, so no pod falls back to PGlite`);
    }
  }
  for (const key of secretKeys) t.ok(referenced.has(key), `the Secret's ${key} is used by some workload`);
});

await t.test('every ConfigMap and Secret a workload refers to exists, with the keys it names', async (t) => {
  const configMaps = new Map(ofKind('ConfigMap').map((m) => [m.metadata.name, Object.keys(m.data ?? {})]));
  const secrets = new Map([[secret.metadata.name, secretKeys]]);
  for (const w of workloads) {
    for (const c of containersOf(w)) {
      t.ok((c.envFrom ?? []).some((s) => s.configMapRef), `${w.file}: reads the ConfigMap`);
      for (const s of c.envFrom ?? []) {
        if (s.configMapRef) t.ok(configMaps.has(s.configMapRef.name), `${w.file}: ConfigMap ${s.configMapRef.name} exists`);
        if (s.secretRef) t.ok(secrets.has(s.secretRef.name), `${w.file}: Secret ${s.secretRef.name} exists`);
      }
      for (const e of c.env ?? []) {
        const [ref, keys] = e.valueFrom?.secretKeyRef
          ? [e.valueFrom.secretKeyRef, secrets.get(e.valueFrom.secretKeyRef.name)]
          : [e.valueFrom?.configMapKeyRef, configMaps.get(e.valueFrom?.configMapKeyRef?.name ?? '')];
        if (ref) t.ok(keys?.includes(ref.key), `${w.file}: ${ref.name} has the key ${ref.key}`);
      }
    }
  }
});

await t.test('every pod runs as the image user, non-root, read-only, without privileges or a token', async (t) => {
  const uid = Number(imageUser.split(':')[0]);
  for (const w of workloads) {
    const pod = w.pod.spec;
    t.equal(pod.automountServiceAccountToken, false, `${w.file}: no service account token`);
    const tmpVolumes = new Set((pod.volumes ?? []).filter((v) => v.emptyDir).map((v) => v.name));
    for (const c of containersOf(w)) {
      const sc = { ...pod.securityContext, ...c.securityContext };
      t.equal(sc.runAsNonRoot, true, `${w.file}: runAsNonRoot`);
      t.equal(sc.runAsUser, uid, `${w.file}: runAsUser is the image's USER ${uid}`);
      t.equal(c.securityContext?.readOnlyRootFilesystem, true, `${w.file}: read-only root filesystem`);
      t.equal(c.securityContext?.allowPrivilegeEscalation, false, `${w.file}: no privilege escalation`);
      t.ok(c.securityContext?.capabilities?.drop?.includes('ALL'), `${w.file}: drops ALL capabilities`);
      t.equal(sc.seccompProfile?.type, 'RuntimeDefault', `${w.file}: RuntimeDefault seccomp profile`);
      t.ok((c.volumeMounts ?? []).some((m) => m.mountPath === '/tmp' && tmpVolumes.has(m.name)), `${w.file}: /tmp is a writable emptyDir`);
      t.ok(c.resources?.requests?.cpu && c.resources.requests.memory, `${w.file}: requests CPU and memory`);
      t.ok(bytes(c.resources?.limits?.memory) >= 256 * 2 ** 20, `${w.file}: memory limit ${c.resources?.limits?.memory} is at least 256Mi`);
      t.equal(c.image, apiContainer.image, `${w.file}: runs the Deployment's image`);
    }
  }
});

await t.test('the Deployment rolls out without losing capacity and drains before it is killed', async (t) => {
  const pod = deployment.spec.template.spec;
  t.ok((deployment.spec.replicas ?? 1) >= 2, 'at least two replicas');
  t.equal(deployment.spec.strategy?.type, 'RollingUpdate', 'rolling update');
  t.equal(deployment.spec.strategy?.rollingUpdate?.maxUnavailable, 0, 'maxUnavailable is 0');
  t.ok(isSubset(deployment.spec.selector.matchLabels, deployment.spec.template.metadata?.labels), 'the selector matches its pods');
  const preStop = apiContainer.lifecycle?.preStop;
  const sleepSeconds = preStop?.sleep?.seconds ?? (preStop?.exec?.command?.[0] === 'sleep' ? Number(preStop.exec.command[1]) : 0);
  t.ok(sleepSeconds >= 2, `preStop sleeps a few seconds (${sleepSeconds}) so endpoints drop before SIGTERM`);
  const graceMs = Number(configData.SHUTDOWN_GRACE_MS ?? EnvSchema.properties.SHUTDOWN_GRACE_MS.default);
  const budgetMs = (pod.terminationGracePeriodSeconds ?? 30) * 1000;
  t.ok(budgetMs > sleepSeconds * 1000 + graceMs, `terminationGracePeriodSeconds (${budgetMs} ms) > preStop + SHUTDOWN_GRACE_MS (${sleepSeconds * 1000 + graceMs} ms)`);
});

await t.test('the autoscaler and the disruption budget target the Deployment', async (t) => {
  const podLabels = deployment.spec.template.metadata?.labels;
  type HpaSpec = { scaleTargetRef: { kind: string; name: string }; minReplicas?: number; metrics?: Array<{ resource?: { name: string } }> };
  const [hpa] = ofKind('HorizontalPodAutoscaler') as unknown as Array<Manifest<HpaSpec>>;
  t.equal(hpa?.apiVersion, 'autoscaling/v2', 'the HPA is autoscaling/v2');
  t.same(hpa && [hpa.spec.scaleTargetRef.kind, hpa.spec.scaleTargetRef.name], ['Deployment', deployment.metadata.name], 'it scales the Deployment');
  t.ok((hpa?.spec.minReplicas ?? 1) >= 2, 'it keeps at least two replicas');
  t.ok(hpa?.spec.metrics?.some((m) => m.resource?.name === 'cpu'), 'it scales on CPU');
  t.ok(apiContainer.resources?.requests?.cpu, 'CPU utilization has a request to be relative to');
  const [pdb] = ofKind('PodDisruptionBudget') as unknown as Array<Manifest<{ minAvailable?: number; maxUnavailable?: number; selector: { matchLabels: Labels } }>>;
  t.same([pdb?.spec.maxUnavailable, pdb?.spec.minAvailable], [1, undefined], 'the PDB lets one pod at a time be evicted, whatever the replica count');
  t.ok(pdb && isSubset(pdb.spec.selector.matchLabels, podLabels), "the PDB selects the Deployment's pods");
});

}
