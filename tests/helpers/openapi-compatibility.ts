/**
 * Breaking changes between two OpenAPI documents, by Optic's maintained breaking-changes ruleset
 * (@useoptic/standard-rulesets; docs/decisions/0022): a removed path, operation, response or
 * property, a changed type, a narrowed request enum (or widened response enum), a new required
 * request field or parameter. The documents are dereferenced first, so a change inside a shared
 * component counts wherever the component is used.
 */
import { readdir, readFile } from 'node:fs/promises';
import SwaggerParser from '@apidevtools/swagger-parser';
import { BreakingChangesRuleset } from '@useoptic/standard-rulesets';
import { TestHelpers } from '@useoptic/rulesets-base';

type Json = Record<string, unknown>;

export const RELEASED_DIRECTORY = new URL('../../openapi/released/', import.meta.url);

/** The newest document in openapi/released/ (named `<semver>.json`): what existing clients were generated from. */
export async function latestReleasedDocument(): Promise<{ version: string; document: Json }> {
  const versions = (await readdir(RELEASED_DIRECTORY)).filter((name) => /^\d+\.\d+\.\d+\.json$/.test(name)).map((name) => name.slice(0, -5));
  const newest = versions.sort((a, b) => compareVersions(b, a))[0];
  if (!newest) throw new Error('openapi/released/ holds no <version>.json');
  const document = JSON.parse(await readFile(new URL(`${newest}.json`, RELEASED_DIRECTORY), 'utf8')) as Json & { info: Json };
  // The file name is the released version: 0.1.0 went out saying info.version 1.0.0 (fixed by issue 11).
  return { version: newest, document: { ...document, info: { ...document.info, version: newest } } };
}

function compareVersions(a: string, b: string): number {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  for (let i = 0; i < 3; i += 1) if ((x?.[i] ?? 0) !== (y?.[i] ?? 0)) return (x?.[i] ?? 0) - (y?.[i] ?? 0);
  return 0;
}

/**
 * `anyOf` of one-value string enums (how 0.1.0 wrote an intent's state) is the same set of values as
 * one `enum`: rewritten so, Optic compares the values instead of seeing two unrelated shapes.
 */
function singleEnums(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(singleEnums);
  if (typeof value !== 'object' || value === null) return value;
  const node = Object.fromEntries(Object.entries(value).map(([key, child]) => [key, singleEnums(child)])) as Json;
  const branches = node['anyOf'];
  const literal = (b: unknown): b is { type: 'string'; enum: [string] } =>
    typeof b === 'object' && b !== null && (b as Json)['type'] === 'string' && Array.isArray((b as Json)['enum']) && ((b as Json)['enum'] as unknown[]).length === 1;
  if (Array.isArray(branches) && branches.length > 0 && branches.every(literal)) {
    const { anyOf: _anyOf, ...rest } = node;
    return { ...rest, type: 'string', enum: branches.map((b) => b.enum[0]) };
  }
  return node;
}

async function prepared(document: Json): Promise<Json> {
  return (await SwaggerParser.dereference(singleEnums(structuredClone(document)) as never)) as unknown as Json;
}

/** One line per breaking change from `released` to `next`; empty when existing clients keep working. */
export async function breakingChanges(released: Json, next: Json): Promise<string[]> {
  // A major version bump in info.version is a deliberate break: Optic's own default lets it through.
  const ruleset = await BreakingChangesRuleset.fromOpticConfig({ skip_when_major_version_changes: true });
  if (typeof ruleset === 'string') throw new Error(ruleset);
  const results = await TestHelpers.runRulesWithInputs([ruleset], await prepared(released) as never, await prepared(next) as never);
  return results
    .filter((result) => !result.passed && !result.exempted)
    .map((result) => `${result.where}: ${result.name ?? 'breaking change'}: ${result.error ?? ''}`);
}
