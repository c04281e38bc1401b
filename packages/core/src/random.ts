// Seeded pseudo-random numbers: the demo world, exploration, training (shuffles, initialisation)
// and synthetic data sets all draw from these streams.
//
// Hand-written rather than a dependency: the generator must be byte-for-byte stable for a given
// seed for as long as the demo (and every evaluation that regenerates its ground truth) exists,
// so we pin the algorithm here instead of following a library's releases. xoshiro128** (Blackman
// & Vigna, 2018) is small, fast on 32-bit integer ops (Math.imul), passes BigCrush, and is what
// many libraries ship; splitmix32 expands a seed into its 128-bit state. Math.random is never
// used. The transcendental functions used below (log, exp, cos, sqrt) come from V8's fdlibm
// port, so a given Node major gives identical streams on every machine.

/** A stream of uniform numbers plus the few distributions the engine and the demo need. */
export type Random = {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** true with probability p. */
  chance(p: number): boolean;
  /** Standard normal N(0, 1). */
  normal(): number;
  /** Exponential with the given mean. */
  exponential(mean: number): number;
  /** Poisson with mean lambda. */
  poisson(lambda: number): number;
  /** Gamma(shape, 1). */
  gamma(shape: number): number;
  /** Log-normal: exp(mu + sigma * N(0, 1)). */
  logNormal(mu: number, sigma: number): number;
};

/** splitmix32: a 32-bit integer hash with good avalanche, used to expand and combine seeds. */
export function mix32(value: number): number {
  let z = (value + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Derives an independent 32-bit seed for a named sub-stream, e.g. deriveSeed(seed, STREAM.items)
 * or deriveSeed(seed, STREAM.session, sessionIndex). Sub-streams keep parts of the world
 * independent: adding users does not change the items, and a session's events depend only on
 * (seed, session index), so any session can be regenerated on its own.
 */
export function deriveSeed(seed: number, ...path: number[]): number {
  let h = mix32(seed >>> 0);
  for (const part of path) {
    // Split parts wider than 32 bits (indices of very large worlds) so no bits are lost.
    h = mix32(h ^ mix32(part >>> 0));
    h = mix32(h ^ mix32(Math.floor(part / 0x1_0000_0000)));
  }
  return h;
}

export function createRandom(seed: number): Random {
  // xoshiro128** state from four splitmix32 outputs; all-zero state is impossible because the
  // four outputs of a bijective mixer on distinct inputs cannot all be zero.
  let s0 = mix32(seed);
  let s1 = mix32(seed + 1);
  let s2 = mix32(seed + 2);
  let s3 = mix32(seed + 3);
  let spareNormal: number | null = null;

  function nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result >>> 0;
  }

  function next(): number {
    return nextUint32() / 0x1_0000_0000;
  }

  function normal(): number {
    // Box–Muller, keeping the second value of each pair.
    if (spareNormal !== null) {
      const value = spareNormal;
      spareNormal = null;
      return value;
    }
    const u1 = 1 - next(); // (0, 1]: log(u1) is finite
    const u2 = next();
    const radius = Math.sqrt(-2 * Math.log(u1));
    spareNormal = radius * Math.sin(2 * Math.PI * u2);
    return radius * Math.cos(2 * Math.PI * u2);
  }

  function gamma(shape: number): number {
    // Marsaglia & Tsang (2000); shapes below 1 use the boost Gamma(a) = Gamma(a + 1) * U^(1/a).
    if (shape < 1) return gamma(shape + 1) * Math.pow(1 - next(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = 1 - next();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
    }
  }

  function poisson(lambda: number): number {
    if (lambda <= 0) return 0;
    if (lambda < 30) {
      // Knuth: multiply uniforms until the product drops below e^-lambda.
      const limit = Math.exp(-lambda);
      let count = 0;
      let product = next();
      while (product > limit) {
        count += 1;
        product *= next();
      }
      return count;
    }
    // Large means (only the heaviest demo users): the normal approximation is plenty.
    return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normal()));
  }

  return {
    next,
    int: (n) => Math.floor(next() * n),
    chance: (p) => next() < p,
    normal,
    exponential: (mean) => -Math.log(1 - next()) * mean,
    poisson,
    gamma,
    logNormal: (mu, sigma) => Math.exp(mu + sigma * normal()),
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A draw from a symmetric Dirichlet(alpha) over k outcomes (small alpha ⇒ sparse weights). */
export function dirichlet(random: Random, k: number, alpha: number): Float64Array {
  const weights = new Float64Array(k);
  let total = 0;
  for (let index = 0; index < k; index += 1) {
    const draw = random.gamma(alpha);
    weights[index] = draw;
    total += draw;
  }
  if (total === 0) {
    weights[random.int(k)] = 1;
    return weights;
  }
  for (let index = 0; index < k; index += 1) weights[index]! /= total;
  return weights;
}
