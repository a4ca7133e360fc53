import t from 'tap';
import createClient from 'openapi-fetch';
import type { paths } from '../../openapi/schema.d.ts';
import { startService } from '../helpers/service-process.ts';

// A client generated from the committed document drives the real server over a socket:
// if the document and the server disagree, these calls or their types break.
t.test('a client generated from openapi/openapi.json works against the running server', async (t) => {
  const service = await startService({ ACADEMY_PRODUCTS_RATE_LIMIT: '8/minute' });
  t.teardown(() => service.stop('SIGKILL'));
  const client = createClient<paths>({ baseUrl: service.baseUrl });

  const all = await client.GET('/api/v1/academy-products/');
  t.equal(all.response.status, 200);
  t.ok((all.data?.count ?? 0) >= 5, 'the example catalogue is listed');

  const filtered = await client.GET('/api/v1/academy-products/', {
    params: { query: { tag: ['data', 'essentials'], include_inactive: 'true' } },
  });
  t.same(filtered.data?.results.map((r) => r.name), ['Data Academy'], 'repeated tag filters combine');

  const one = await client.GET('/api/v1/academy-products/{id}/', { params: { path: { id: 'data-academy' } } });
  t.equal(one.data?.prices[0]?.unit_amount_decimal, '15000', 'retrieve by slug with its jpy price');

  const missing = await client.GET('/api/v1/academy-products/{id}/', { params: { path: { id: 'no-such-academy' } } });
  t.equal(missing.response.status, 404);
  t.same(missing.error, { detail: 'Not found.' });

  const invalid = await client.GET('/api/v1/academy-products/', { params: { query: { academy_uuid: 'nope' } } });
  t.equal(invalid.response.status, 400);
  t.same(invalid.error, { academy_uuid: ['Must be a valid UUID.'] });

  const listAgain = () => client.GET('/api/v1/academy-products/');
  let throttled: Awaited<ReturnType<typeof listAgain>> | undefined;
  for (let i = 0; i < 10 && !throttled; i += 1) {
    const attempt = await listAgain();
    if (attempt.response.status === 429) throttled = attempt;
  }
  t.ok(throttled, 'the rate limit answers 429 within the budget');
  t.match(throttled?.error, { detail: /^Request was throttled\. Expected available in \d+ seconds\.$/ });
  t.ok(throttled?.response.headers.get('retry-after'), 'with Retry-After');
});
