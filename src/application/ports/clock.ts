/** The current time, injectable so tests control it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Measures durations on a monotonic clock: `start()` returns a function that gives the seconds since. */
export interface Stopwatch {
  start(): () => number;
}

export const systemStopwatch: Stopwatch = {
  start: () => {
    const started = performance.now();
    return () => (performance.now() - started) / 1000;
  },
};
