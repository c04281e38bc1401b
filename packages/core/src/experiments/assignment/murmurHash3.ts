// MurmurHash3 x86_32 (Austin Appleby, public domain; reference: smhasher's MurmurHash3.cpp,
// `MurmurHash3_x86_32`). Hand-written rather than a dependency, for the same reason as random.ts:
// assignment must stay bit-for-bit stable for as long as any experiment runs, and clients in other
// languages must reproduce it. The algorithm is fixed by its reference code and ships in every
// ecosystem with a seed parameter over bytes (Python `mmh3.hash(data, seed, signed=False)`, Guava
// `Hashing.murmur3_32_fixed(seed)`, Go `murmur3.Sum32WithSeed`), unlike FNV-1a, whose weak
// avalanche on near-identical ids is why GrowthBook had to double-hash. The npm packages that
// implement it either hash UTF-16 code units instead of UTF-8 bytes or are unmaintained; this is 30
// lines, pinned by published test vectors and by assignment.golden.json.

/** MurmurHash3 x86_32 of `bytes` with a 32-bit `seed`, as an unsigned 32-bit integer. */
export function murmurHash3x86_32(bytes: Uint8Array, seed: number): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed | 0;
  const length = bytes.length;
  const blockEnd = length - (length % 4);
  for (let i = 0; i < blockEnd; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = length % 4;
  if (tail > 0) {
    let k = 0;
    if (tail === 3) k ^= bytes[blockEnd + 2]! << 16;
    if (tail >= 2) k ^= bytes[blockEnd + 1]! << 8;
    k ^= bytes[blockEnd]!;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  // The reference mixes in the length as a 32-bit integer.
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const utf8 = new TextEncoder();

/** MurmurHash3 x86_32 of the UTF-8 bytes of `text`. */
export function murmurHash3String(text: string, seed: number): number {
  return murmurHash3x86_32(utf8.encode(text), seed);
}
