/**
 * `npm run openapi`: writes the OpenAPI document generated from the route schemas to
 * openapi/openapi.json, the TypeScript types of a client generated from it to
 * openapi/schema.d.ts (openapi-typescript), and a TypeScript SDK to openapi/sdk/
 * (@hey-api/openapi-ts). A test fails when any of them differs from what the code generates.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { generateOpenApiDocument, generateClientTypes, generateSdk } from '../tests/helpers/openapi-document.ts';

const document = await generateOpenApiDocument();
await writeFile(new URL('../openapi/openapi.json', import.meta.url), document);
await writeFile(new URL('../openapi/schema.d.ts', import.meta.url), await generateClientTypes(document));
await generateSdk(fileURLToPath(new URL('../openapi/openapi.json', import.meta.url)), fileURLToPath(new URL('../openapi/sdk', import.meta.url)));
process.stdout.write('wrote openapi/openapi.json, openapi/schema.d.ts and openapi/sdk/\n');
