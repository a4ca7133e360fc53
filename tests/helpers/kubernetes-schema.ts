import { join } from 'node:path';
import ts from 'typescript';

/**
 * Validation of rendered Kubernetes objects against the API's schemas, strictly: kubernetes-models
 * (generated from the Kubernetes OpenAPI document, and the Prometheus Operator's CRDs) checks types,
 * required fields, enums and formats with its JSON-schema validators, which let unknown fields pass;
 * the same package's TypeScript declarations of those schemas then reject every unknown field: each
 * object is type-checked as an object literal of its kind's interface, so TypeScript's excess-property
 * check names a misspelled `livenessProb` at any depth.
 */

const ROOT = new URL('../..', import.meta.url).pathname;

export interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata?: { readonly name?: string };
}

/** The module of kubernetes-models that declares a kind (e.g. `kubernetes-models/apps/v1/Deployment`). */
function modelModule(object: KubernetesObject): string {
  if (object.apiVersion === 'monitoring.coreos.com/v1') return `@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/${object.kind}`;
  return `kubernetes-models/${object.apiVersion}/${object.kind}`;
}

const describe = (object: KubernetesObject) => `${object.kind}/${object.metadata?.name ?? '(unnamed)'}`;

type ModelClass = new (data: unknown) => { validate(): void };

/** Types, required fields, enums and formats (unknown fields pass here). */
async function schemaProblems(objects: readonly KubernetesObject[]): Promise<string[]> {
  const problems: string[] = [];
  for (const object of objects) {
    let Model: ModelClass | undefined;
    try {
      Model = ((await import(modelModule(object))) as Record<string, ModelClass>)[object.kind];
    } catch {
      Model = undefined;
    }
    if (!Model) {
      problems.push(`${describe(object)}: no schema for ${object.apiVersion} ${object.kind}`);
      continue;
    }
    try {
      new Model(object).validate();
    } catch (error) {
      problems.push(`${describe(object)}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return problems;
}

/** Unknown fields: each object type-checked against its kind's declared interface. */
function unknownFieldProblems(objects: readonly KubernetesObject[]): string[] {
  const fileName = join(ROOT, `tests/.k8s-schema-check-${process.pid}.ts`);
  const source = [
    ...objects.map((object, i) => `import type { I${object.kind} as T${i} } from '${modelModule(object)}';`),
    ...objects.map((object, i) => `export const object${i}: T${i} = ${JSON.stringify(object)};`),
  ].join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.fileExists = ((exists) => (name: string) => name === fileName || exists(name))(host.fileExists.bind(host));
  host.readFile = (name) => (name === fileName ? source : readFile(name));
  host.getSourceFile = (name, languageVersion, onError, shouldCreate) =>
    name === fileName ? ts.createSourceFile(name, source, languageVersion, true) : getSourceFile(name, languageVersion, onError, shouldCreate);
  const program = ts.createProgram([fileName], options, host);
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
    const line = diagnostic.file && diagnostic.start !== undefined ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line : -1;
    const index = line - objects.length;
    const object = objects[index];
    return `${object ? describe(object) : 'schema check'}: ${message}`;
  });
}

/** Every problem of every object; empty when all are valid. */
export async function kubernetesSchemaProblems(objects: readonly KubernetesObject[]): Promise<string[]> {
  return [...(await schemaProblems(objects)), ...unknownFieldProblems(objects)];
}
