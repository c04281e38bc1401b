// The item attribute cache's storage: catalogue attributes by item slot (itemSlots.ts), one typed
// column per attribute, and an ItemAttributes object made only when a lookup reads a slot.
//
// Why columns: at 1M items, one ItemAttributes object per cached item (~80 B) was the largest
// share of the engine's live heap (~80 of ~290 MiB sampled in the latency bench), and every full
// collection marks the whole live heap, mostly on the request thread (the incremental marking
// steps: ~110 ms of it per full collection at 200 requests/s, the worst seconds' tail). Typed
// arrays are one object each and hold no pointers to trace. What a lookup makes (one small object
// per candidate, dropped with the request) dies young, in a scavenge.
//
// Strings are kept once per distinct value (categories, creators, tag lists), coded by position;
// a code stays valid until `clear` (a new slot generation), so what is held is bounded by the
// distinct values of the items of one generation. Numeric attributes (few items carry them) sit in
// a Map by slot.

import type { ItemAttributes } from "../funnel/index.ts";
import { grownTimes, NEVER } from "./slotTable.ts";

/** A category code meaning "read, not in the catalogue". */
const ABSENT = -1;
/** A creator code meaning "no creator". */
const NO_CREATOR = -1;
/** The tag list of items without tags (one shared, frozen). */
export const NO_TAGS: readonly string[] = Object.freeze([]);
/**
 * A non-empty tag list's dictionary key is each tag preceded by this ("\u0000" cannot occur in a
 * PostgreSQL text value), so a key names one list, [""] included; the empty list's key is "".
 */
const TAG_SEPARATOR = "\u0000";

/** Distinct values, each coded by its position; `make` builds a value from its key the first time the key is seen. */
class Dictionary<V> {
  readonly values: V[] = [];
  private readonly codes = new Map<string, number>();

  constructor(private readonly make: (key: string) => V) {}

  codeOf(key: string): number {
    let code = this.codes.get(key);
    if (code === undefined) {
      code = this.values.length;
      this.values.push(this.make(key));
      this.codes.set(key, code);
    }
    return code;
  }
}

const asIs = (key: string): string => key;
const tagListOf = (key: string): readonly string[] => (key === "" ? NO_TAGS : Object.freeze(key.slice(1).split(TAG_SEPARATOR)));

export class AttributeColumns {
  /** By slot: when the held value was read (engine clock); NEVER where nothing is held. Its length is the capacity. */
  times: Float64Array = new Float64Array(0);
  private categoryCodes = new Int32Array(0);
  private creatorCodes = new Int32Array(0);
  private tagCodes = new Int32Array(0);
  private published = new Float64Array(0);
  private available = new Uint8Array(0);
  private numbers = new Map<number, Readonly<Record<string, number>>>();
  private categories = new Dictionary(asIs);
  private creators = new Dictionary(asIs);
  private tagLists = emptyTagLists();
  /** Slots holding something (attributes or "not in the catalogue"). */
  private held = 0;

  get size(): number {
    return this.held;
  }

  /** The read time stored at `slot` (NEVER when none, or past the capacity). */
  timeAt(slot: number): number {
    return slot >= 0 && slot < this.times.length ? this.times[slot]! : NEVER;
  }

  /** Keeps `item` (null: not in the catalogue) for `slot`, read at `time`. */
  set(slot: number, item: ItemAttributes | null, time: number): void {
    if (slot >= this.times.length) this.grow(slot + 1);
    if (this.times[slot] === NEVER) this.held += 1;
    this.times[slot] = time;
    if (item === null) {
      this.categoryCodes[slot] = ABSENT;
      this.numbers.delete(slot);
      return;
    }
    this.categoryCodes[slot] = this.categories.codeOf(item.category);
    this.creatorCodes[slot] = item.creatorId === null ? NO_CREATOR : this.creators.codeOf(item.creatorId);
    this.tagCodes[slot] = item.tags.length === 0 ? 0 : this.tagLists.codeOf(TAG_SEPARATOR + item.tags.join(TAG_SEPARATOR));
    this.published[slot] = item.publishedAtMs;
    this.available[slot] = item.available ? 1 : 0;
    if (item.numbers === undefined) this.numbers.delete(slot);
    else this.numbers.set(slot, item.numbers);
  }

  /** What `slot` holds, as a new object: attributes, null (read, not in the catalogue), or undefined (nothing held). */
  read(slot: number): ItemAttributes | null | undefined {
    if (slot < 0 || slot >= this.times.length || this.times[slot] === NEVER) return undefined;
    const categoryCode = this.categoryCodes[slot]!;
    if (categoryCode === ABSENT) return null;
    const creatorCode = this.creatorCodes[slot]!;
    const category = this.categories.values[categoryCode]!;
    const creatorId = creatorCode === NO_CREATOR ? null : this.creators.values[creatorCode]!;
    const tags = this.tagLists.values[this.tagCodes[slot]!]!;
    const publishedAtMs = this.published[slot]!;
    const available = this.available[slot] === 1;
    const numbers = this.numbers.size === 0 ? undefined : this.numbers.get(slot);
    // Without a `numbers` key when there are none (what the catalogue read gives, and what `"numbers" in item` tests).
    return numbers === undefined ? { category, creatorId, tags, publishedAtMs, available } : { category, creatorId, tags, publishedAtMs, available, numbers };
  }

  /** Drops everything held, the dictionaries too (codes of a new generation start over). */
  clear(): void {
    this.times = new Float64Array(0);
    this.categoryCodes = new Int32Array(0);
    this.creatorCodes = new Int32Array(0);
    this.tagCodes = new Int32Array(0);
    this.published = new Float64Array(0);
    this.available = new Uint8Array(0);
    this.numbers = new Map();
    this.categories = new Dictionary(asIs);
    this.creators = new Dictionary(asIs);
    this.tagLists = emptyTagLists();
    this.held = 0;
  }

  /** Doubles the capacity past `needed`: amortised O(1) per slot (copying 1M slots' columns is a few ms, a few times in a process's life). */
  private grow(needed: number): void {
    this.times = grownTimes(this.times, needed);
    const capacity = this.times.length;
    this.categoryCodes = copied(this.categoryCodes, new Int32Array(capacity));
    this.creatorCodes = copied(this.creatorCodes, new Int32Array(capacity));
    this.tagCodes = copied(this.tagCodes, new Int32Array(capacity));
    this.published = copied(this.published, new Float64Array(capacity));
    this.available = copied(this.available, new Uint8Array(capacity));
  }
}

/** Tag lists with code 0 for the empty list. */
function emptyTagLists(): Dictionary<readonly string[]> {
  const lists = new Dictionary(tagListOf);
  lists.codeOf("");
  return lists;
}

/** `to` with `from` copied into its start. */
function copied<A extends { set(from: A): void }>(from: A, to: A): A {
  to.set(from);
  return to;
}
