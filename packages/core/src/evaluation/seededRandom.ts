// Splits must be reproducible from a seed alone; Math.random cannot be seeded.

/** Mixes a seed with a key (e.g. a user index) so each user gets an independent stream. */
export function mixSeed(seed: number, key: number): number {
  // murmur3 fmix32 over the combined value: nearby keys give unrelated seeds.
  let h = (Math.imul(seed | 0, 0x9e3779b1) ^ (key | 0)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** mulberry32: tiny, fast, good enough for shuffling. Returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
