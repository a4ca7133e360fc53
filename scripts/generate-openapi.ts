/**
 * `npm run openapi`: writes the OpenAPI document generated from the route schemas to
 * openapi/openapi.json, and the TypeScript types of a client generated from it to
 * openapi/schema.d.ts. A test fails when either differs from what the code generates.
 */
import { writeFile } from 'node:fs/promises';
import { generateOpenApiDocument, generateClientTypes } from '../tests/helpers/openapi-document.ts';

const document = await generateOpenApiDocument();
await writeFile(new URL('../openapi/openapi.json', import.meta.url), document);
await writeFile(new URL('../openapi/schema.d.ts', import.meta.url), await generateClientTypes(document));
process.stdout.write('wrote openapi/openapi.json and openapi/schema.d.ts\n');
