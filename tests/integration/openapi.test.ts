import t from 'tap';
import { readFile } from 'node:fs/promises';
import SwaggerParser from '@apidevtools/swagger-parser';
import { buildTestApp } from '../helpers/build-test-app.ts';
import { fakePriceSource } from '../helpers/fake-price-source.ts';
import { inMemoryAcademyRepository } from '../helpers/in-memory-academy-repository.ts';
import { generateClientTypes, generateOpenApiDocument } from '../helpers/openapi-document.ts';

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
