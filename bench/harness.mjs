// Benchmark harness: each case runs `fn(n)` (which performs n operations) for several
// rounds after a warm-up and reports the median nanoseconds per operation. A case is
// always measured next to its raw Node baseline in the same process, and reported as a
// ratio: absolute times vary between machines, ratios much less.

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

/** Median ns/op of `fn(n)` (sync or async) over ROUNDS rounds. */
export async function measure(fn, n) {
  // Start from a collected heap (bench runs with --expose-gc), so that the garbage of
  // earlier cases is not charged to this one.
  globalThis.gc?.();
  await fn(Math.max(1, n >> 3)); // warm-up: let the JIT settle
  const samples = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = process.hrtime.bigint();
    await fn(n);
    samples.push(Number(process.hrtime.bigint() - start) / n);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

const round = (x, digits = 2) => Number(x.toFixed(digits));

/**
 * Measures `subject` and `baseline` alternately (so that drift hits both) and returns
 * the JSON entry: ns/op of each and their ratio.
 */
export async function compare({ subject, baseline, n, target }) {
  const a1 = await measure(subject.fn, n);
  const b1 = await measure(baseline.fn, n);
  const a2 = await measure(subject.fn, n);
  const b2 = await measure(baseline.fn, n);
  const ns = Math.min(a1, a2);
  const baseNs = Math.min(b1, b2);
  const entry = {
    ns_per_op: round(ns, 1),
    baseline: baseline.name,
    baseline_ns_per_op: round(baseNs, 1),
    ratio: round(ns / baseNs),
  };
  if (target !== undefined) entry.target_max_ratio = target;
  return entry;
}
