import t from 'tap';
import { readFile } from 'node:fs/promises';
import SwaggerParser from '@apidevtools/swagger-parser';
import { buildTestApp } from '../helpers/build-test-app.ts';
import { fakePriceSource } from '../helpers/fake-price-source.ts';
import { inMemoryAcademyRepository } from '../helpers/in-memory-academy-repository.ts';
import { generateClientTypes, generateOpenApiDocument } from '../helpers/openapi-document.ts';
import { CHECKOUT_INTENT_STATES } from '../../src/domain/checkout-intent.ts';
import { PACKAGE_VERSION } from '../../src/package-info.ts';

const committedDocument = () => readFile(new URL('../../openapi/openapi.json', import.meta.url), 'utf8');
const committedTypes = () => readFile(new URL('../../openapi/schema.d.ts', import.meta.url), 'utf8');

t.test('the committed OpenAPI document is exactly what the code generates (run `npm run openapi`)', async (t) => {
  t.equal(await committedDocument(), await generateOpenApiDocument());
});

t.test('the committed client types are generated from the committed document (run `npm run openapi`)', async (t) => {
  t.equal(await committedTypes(), await generateClientTypes(await committedDocument()));
});

t.test('the document is a valid OpenAPI 3.1 document', async (t) => {
  const document = JSON.parse(await committedDocument()) as { openapi: string };
  t.equal(document.openapi, '3.1.0');
  await t.resolves(SwaggerParser.validate(structuredClone(document) as never), 'swagger-parser finds no error');
});

t.test('the server serves the document at /openapi.json and Swagger UI at /docs', async (t) => {
  const app = await buildTestApp({ academies: inMemoryAcademyRepository(), prices: fakePriceSource([]) });
  t.teardown(() => app.close());
  const served = await app.inject({ url: '/openapi.json' });
  t.equal(served.statusCode, 200);
  t.same(served.json(), JSON.parse(await committedDocument()), 'served equals committed');
  const docs = await app.inject({ url: '/docs/' });
  t.equal(docs.statusCode, 200);
  t.match(docs.headers['content-type'], /text\/html/);
});

t.test('DOCS_ENABLED=false: /docs and /openapi.json are 404, the API is unchanged', async (t) => {
  const app = await buildTestApp({ academies: inMemoryAcademyRepository(), prices: fakePriceSource([]), docsEnabled: false });
  t.teardown(() => app.close());
  for (const url of ['/openapi.json', '/docs', '/docs/', '/docs/static/index.html', '/docs/json']) {
    const res = await app.inject({ url });
    t.equal(res.statusCode, 404, `${url}: 404`);
    t.notMatch(res.body, /openapi|swagger/i, `${url}: nothing of the document`);
  }
  t.equal((await app.inject({ url: '/api/v1/academy-products/' })).statusCode, 200, 'the API still answers');
});

t.test('every documented operation declares its error responses', async (t) => {
  const document = JSON.parse(await committedDocument()) as {
    paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
  };
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const statuses = Object.keys(operation.responses);
      t.ok(statuses.some((s) => s.startsWith('2')), `${method.toUpperCase()} ${path} documents a success`);
      if (path.startsWith('/api/')) {
        t.ok(statuses.some((s) => s.startsWith('4') || s.startsWith('5')), `${method.toUpperCase()} ${path} documents its failures`);
      }
    }
  }
});

interface OpenApiDocument {
  info: { version: string };
  servers: { url: string }[];
  tags: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; responses: Record<string, { description: string }> };
}
interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: { in: string; name: string }[];
  responses: Record<string, { $ref?: string; description?: string; headers?: Record<string, unknown> }>;
}
interface Schema {
  $ref?: string;
  description?: string;
  examples?: unknown[];
  enum?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
}

const documentJson = async () => JSON.parse(await committedDocument()) as OpenApiDocument;
const operationsOf = (document: OpenApiDocument) =>
  Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => ({ name: `${method.toUpperCase()} ${path}`, path, operation })),
  );

t.test('every operation has a stable camelCase operationId, a described tag, a summary and a description', async (t) => {
  const document = await documentJson();
  const tags = new Map(document.tags.map((tag) => [tag.name, tag.description ?? '']));
  const ids = operationsOf(document).map(({ operation }) => operation.operationId);
  t.same(ids.toSorted(), [
    'checkLiveness',
    'checkReadiness',
    'createCheckoutIntent',
    'createCheckoutSession',
    'getAcademyProduct',
    'getCheckoutIntent',
    'getCurrentCheckoutIntent',
    'listAcademyProducts',
    'listCheckoutIntents',
    'receiveStripeWebhook',
    'syncAcademies',
    'transitionCheckoutIntent',
  ], 'the operationIds clients are generated with (renaming one breaks their code)');
  for (const { name, operation } of operationsOf(document)) {
    t.match(operation.operationId, /^[a-z][a-zA-Z]+$/, `${name}: camelCase operationId`);
    t.ok(operation.summary && operation.description, `${name}: summary and description`);
    for (const tag of operation.tags ?? []) t.ok(tags.get(tag), `${name}: tag ${tag} is described`);
    t.equal(operation.tags?.length, 1, `${name}: one tag`);
  }
});

t.test('public operations say security: [] and authenticated ones name the JWT scheme', async (t) => {
  const document = await documentJson();
  const publicPaths = ['/healthz', '/readyz', '/api/v1/academy-products/', '/api/v1/academy-products/{id}/', '/api/v1/stripe/webhook'];
  for (const { name, path, operation } of operationsOf(document)) {
    t.same(operation.security, publicPaths.includes(path) ? [] : [{ jwt: [] }], `${name}: security`);
  }
});

t.test('no response is described "Default Response" and every inline response carries X-Request-Id', async (t) => {
  const document = await documentJson();
  for (const { name, operation } of operationsOf(document)) {
    for (const [status, response] of Object.entries(operation.responses)) {
      if (response.$ref) continue;
      t.not(response.description, 'Default Response', `${name} ${status}: described`);
      t.ok(response.headers?.['X-Request-Id'], `${name} ${status}: X-Request-Id documented`);
    }
  }
});

t.test('every component schema has a description and examples, and every property a description', async (t) => {
  const document = await documentJson();
  const undescribed = (schema: Schema, at: string): string[] =>
    Object.entries(schema.properties ?? {}).flatMap(([key, property]) => [
      // A property that is a named schema is described by that schema (its own description would be dropped beside $ref).
      ...(property.description || property.$ref ? [] : [`${at}.${key}`]),
      ...undescribed(property, `${at}.${key}`),
      ...(property.items ? undescribed(property.items, `${at}.${key}[]`) : []),
    ]);
  for (const [name, schema] of Object.entries(document.components.schemas)) {
    t.ok(schema.description, `${name}: described`);
    t.ok(schema.examples?.length, `${name}: has an example`);
    t.same(undescribed(schema, name), [], `${name}: every property is described`);
  }
});

t.test('shared failures are defined once under components.responses and referenced', async (t) => {
  const document = await documentJson();
  t.same(Object.keys(document.components.responses).toSorted(), [
    'MethodNotAllowed',
    'PayloadTooLarge',
    'RequestHeaderFieldsTooLarge',
    'RequestTimeout',
    'ServiceFailure',
    'TooManyRequests',
    'Unauthorized',
    'UnsupportedMediaType',
  ]);
  const list = document.paths['/api/v1/academy-products/']?.['get'];
  t.equal(list?.responses['429']?.$ref, '#/components/responses/TooManyRequests');
  t.equal(list?.responses['502']?.$ref, '#/components/responses/ServiceFailure');
  t.equal(list?.responses['431']?.$ref, '#/components/responses/RequestHeaderFieldsTooLarge');
  t.equal(list?.responses['408']?.$ref, '#/components/responses/RequestTimeout', 'the stalled-request 408 is documented');
  t.same(Object.keys(list?.responses['200']?.headers ?? {}), [
    'X-Request-Id', 'ETag', 'Cache-Control', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset',
  ], 'the catalogue documents its caching and rate-limit headers');
  t.ok(list?.parameters?.some((p) => p.in === 'header' && p.name === 'if-none-match'), 'If-None-Match is a documented parameter');
  const create = document.paths['/api/v1/checkout-intents/']?.['post'];
  t.equal(create?.responses['413']?.$ref, '#/components/responses/PayloadTooLarge', 'a body operation documents 413');
});

t.test('error_code values are enums per operation, and the intent state is one named enum', async (t) => {
  const document = await documentJson();
  const schemas = document.components.schemas;
  t.same(schemas['CheckoutIntentConflictError']?.properties?.['error_code']?.enum, [
    'slug_reservation', 'failed_checkout_intent', 'active_checkout_intent', 'too_many_open_intents', 'intent_not_payable',
  ]);
  t.same(schemas['CheckoutIntentState']?.enum, CHECKOUT_INTENT_STATES);
  t.equal(schemas['CheckoutIntent']?.properties?.['state']?.$ref, '#/components/schemas/CheckoutIntentState');
  t.same(schemas['AcademyProductList']?.properties?.['next']?.['type' as keyof Schema], ['string', 'null'], 'next is string|null');
});

t.test('info.version is the package version and the server URL comes from OPENAPI_SERVER_URL', async (t) => {
  const document = await documentJson();
  t.equal(document.info.version, PACKAGE_VERSION);
  t.same(document.servers.map((s) => s.url), ['/']);
  const app = await buildTestApp({ academies: inMemoryAcademyRepository(), prices: fakePriceSource([]), openApiServerUrl: 'https://billing.example.test' });
  t.teardown(() => app.close());
  const served = (await app.inject({ url: '/openapi.json' })).json() as OpenApiDocument;
  t.same(served.servers.map((s) => s.url), ['https://billing.example.test']);
});
