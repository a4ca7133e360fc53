import t from 'tap';
import { cpuRatio, type EndpointResult } from '../../bench/report.ts';

/** Only the CPU figures matter to cpuRatio; the rest of an endpoint's result is filler. */
function endpoint(name: string, perRound: number[], pooled: number): EndpointResult {
  return {
    name,
    requests: 1,
    errors: 0,
    statuses: {},
    requestsPerSecond: 1,
    p50Ms: 1,
    p99Ms: 1,
    cpuMicrosPerRequest: pooled,
    cpuMicrosPerRound: perRound,
    seconds: 1,
    scans: 0,
    scansPer1000: 0,
    stripeCallsPer1000: 0,
    serializationsPer1000: 0,
  };
}

t.test('the judged CPU ratio is the median of the rounds, each against the baseline of its own round', async (t) => {
  // Round 3 of the service ran while a neighbour took the CPU: 3 × its baseline. The median ignores it,
  // the pooled ratio (also reported) does not.
  const bare = endpoint('bare detail bytes', [30, 40, 30, 35, 32], 33);
  const served = endpoint('detail 200', [33, 44, 90, 35, 38.4], 48);
  const { median, pooled } = cpuRatio(served, bare);
  t.equal(median, 1.1, 'per-round ratios 1.1, 1.1, 3, 1, 1.2 → median 1.1');
  t.equal(Math.round(pooled * 1000) / 1000, Math.round((48 / 33) * 1000) / 1000);
});

t.test('a round compared with the baseline of another round would give another answer', async (t) => {
  // Baseline drifts 20 → 40 across rounds and the service follows it at 1.2 ×: paired rounds see 1.2 each time.
  const bare = endpoint('bare list bytes', [20, 30, 40], 30);
  const served = endpoint('list 200', [24, 36, 48], 36);
  t.equal(Math.round(cpuRatio(served, bare).median * 100) / 100, 1.2);
});

t.test('an even number of rounds takes the mean of the middle two; a missing baseline round is not a ratio', async (t) => {
  t.equal(cpuRatio(endpoint('a', [10, 20, 30, 40], 25), endpoint('b', [10, 10, 10, 10], 10)).median, 2.5);
  t.ok(Number.isNaN(cpuRatio(endpoint('a', [10], 10), endpoint('b', [], 10)).median));
});
