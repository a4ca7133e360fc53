/**
 * What the route schemas cannot say, added to the generated document in one pass: the headers
 * every answer carries, shared responses defined once under components.responses and referenced
 * by each operation (docs/decisions/0022). Only the document changes; the routes keep serializing
 * with their own schemas.
 */

type Json = Record<string, unknown>;
interface OpenApiObject extends Json {
  paths: Record<string, Record<string, Json>>;
  components: Json;
}

const header = (description: string, schema: Json): Json => ({ description, schema });
const RATE_LIMIT_HEADERS = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'] as const;

const HEADERS: Record<string, Json> = {
  'X-Request-Id': header(
    'Id of this request, in the logs and sent on to Stripe and enterprise-catalog: the caller’s own `x-request-id` when it is 1–128 characters of `[A-Za-z0-9._:-]`, else a new uuid',
    { type: 'string', examples: ['4b2f9d8e-0f57-4c1e-9a51-0b6f1e0d2c11'] },
  ),
  ETag: header('Strong validator of the body; send it back in `If-None-Match`', { type: 'string', examples: ['"q3Jz8Rk1c0bHVmQ2dGhlLXRhZw"'] }),
  'Cache-Control': header('Clients and CDNs may keep the answer for a minute', { type: 'string', examples: ['public, max-age=60'] }),
  'X-RateLimit-Limit': header('Requests allowed in the current window', { type: 'integer', examples: [120] }),
  'X-RateLimit-Remaining': header('Requests left in the current window', { type: 'integer', examples: [119] }),
  'X-RateLimit-Reset': header('Seconds until the window starts again', { type: 'integer', examples: [42] }),
  'Retry-After': header('Seconds to wait before retrying', { type: 'integer', examples: [30] }),
  'WWW-Authenticate': header('The accepted scheme', { type: 'string', examples: ['JWT realm="api"'] }),
  Allow: header('The methods this path serves', { type: 'string', examples: ['GET, HEAD'] }),
};

const headerRefs = (...names: readonly string[]): Json =>
  Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }]));

const json = (schema: string): Json => ({ 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } });

/** Failures any operation can meet, whatever the route: each defined once. */
const SHARED_RESPONSES: Record<string, Json> = {
  Unauthorized: {
    description: 'Missing, expired or invalid token',
    headers: headerRefs('X-Request-Id', 'WWW-Authenticate'),
    content: json('DetailError'),
  },
  MethodNotAllowed: {
    description: 'The path does not serve this method (any method not listed for the path); `Allow` lists those it does',
    headers: headerRefs('X-Request-Id', 'Allow'),
    content: json('DetailError'),
  },
  PayloadTooLarge: { description: 'The body is over 1 MiB', headers: headerRefs('X-Request-Id'), content: json('DetailError') },
  UnsupportedMediaType: { description: 'The body is not `application/json`', headers: headerRefs('X-Request-Id'), content: json('DetailError') },
  TooManyRequests: {
    description: 'Rate limit exceeded (the operation says which budget); retry after `Retry-After` seconds',
    headers: headerRefs('X-Request-Id', 'Retry-After', ...RATE_LIMIT_HEADERS),
    content: json('DetailError'),
  },
  // Answered by Node's parser before routing (src/adapters/http/client-error.ts): no request id, connection closed.
  RequestTimeout: {
    description: 'The request (headers and body) was not finished within 30 s; the connection is closed. Carries no `X-Request-Id`.',
    content: json('DetailError'),
  },
  RequestHeaderFieldsTooLarge: {
    description: 'The request headers are too large; the connection is closed. Carries no `X-Request-Id`.',
    content: json('DetailError'),
  },
  ServiceFailure: {
    description: 'The database (or another dependency) failed; retry later',
    headers: headerRefs('X-Request-Id'),
    content: json('ServiceFailureError'),
  },
};
const responseRef = (name: keyof typeof SHARED_RESPONSES): Json => ({ $ref: `#/components/responses/${name}` });

function contentSchemaRef(response: Json): unknown {
  const content = response['content'] as Record<string, { schema?: Json }> | undefined;
  return content?.['application/json']?.schema?.['$ref'];
}

/** The operation's responses with shared ones referenced and the headers each answer carries. */
function finishResponses(operation: Json): Json {
  const responses = { ...(operation['responses'] as Record<string, Json>) };
  const cacheable = '304' in responses;
  const rateLimited = '429' in responses;
  for (const [status, response] of Object.entries(responses)) {
    if (status === '401') responses[status] = responseRef('Unauthorized');
    else if (status === '429') responses[status] = responseRef('TooManyRequests');
    else if (status === '502' && contentSchemaRef(response) === '#/components/schemas/ServiceFailureError') {
      responses[status] = responseRef('ServiceFailure');
    } else {
      const names = ['X-Request-Id'];
      if (cacheable && (status === '200' || status === '304')) names.push('ETag', 'Cache-Control');
      if (rateLimited && status.startsWith('2')) names.push(...RATE_LIMIT_HEADERS);
      responses[status] = { ...response, headers: { ...headerRefs(...names), ...(response['headers'] as Json | undefined) } };
    }
  }
  if (operation['requestBody']) {
    responses['413'] = responseRef('PayloadTooLarge');
    responses['415'] = responseRef('UnsupportedMediaType');
  }
  // Node's parser answers any request that stalls or whose headers are too large, probes included.
  responses['408'] = responseRef('RequestTimeout');
  responses['431'] = responseRef('RequestHeaderFieldsTooLarge');
  return Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
}

/** `transformObject` for @fastify/swagger. */
export function finishOpenApiDocument(document: OpenApiObject): OpenApiObject {
  const paths = Object.fromEntries(
    Object.entries(document.paths).map(([path, operations]) => [
      path,
      Object.fromEntries(Object.entries(operations).map(([method, operation]) => [method, { ...operation, responses: finishResponses(operation) }])),
    ]),
  );
  return {
    ...document,
    paths,
    components: { ...document.components, headers: HEADERS, responses: SHARED_RESPONSES },
  };
}
