// A read-only map whose keys are shared by many maps (a counter read shape's hash or sorted-set
// names) and whose values are its own, by the keys' index. The item state cache holds one state per
// item seen in the last seconds (tens of thousands), each with a hash map and a sorted-set map: as
// `Map`s they were ~190 B each (the JSMap and its hash table), most of a state's size, and every
// state lives long enough to be promoted to the old generation, which the GC then marks and sweeps.
// Lookups compare the few shared keys in order (two hash names for items today), which for the
// counters' own name strings is a pointer compare. Iteration (rare: snapshots, tests) goes through
// a Map built on demand.

export class ShapedMap<V> implements ReadonlyMap<string, V> {
  constructor(
    private readonly names: readonly string[],
    private readonly entries_: readonly V[],
  ) {}

  get size(): number {
    return this.names.length;
  }

  get(name: string): V | undefined {
    const names = this.names;
    for (let index = 0; index < names.length; index += 1) if (names[index] === name) return this.entries_[index];
    return undefined;
  }

  has(name: string): boolean {
    return this.names.includes(name);
  }

  forEach(callback: (value: V, key: string, map: ReadonlyMap<string, V>) => void, thisArg?: unknown): void {
    this.names.forEach((name, index) => callback.call(thisArg, this.entries_[index]!, name, this));
  }

  entries(): MapIterator<[string, V]> {
    return this.asMap().entries();
  }

  keys(): MapIterator<string> {
    return this.asMap().keys();
  }

  values(): MapIterator<V> {
    return this.asMap().values();
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  private asMap(): Map<string, V> {
    return new Map(this.names.map((name, index) => [name, this.entries_[index]!]));
  }
}
