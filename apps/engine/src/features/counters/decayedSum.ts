// Exponentially decayed sums (trending, effective counts, affinities) with increment-only storage.
//
// Math. With half-life H, the value at time t of events e_i (amount a_i, time t_i < t) is
//
//     v(t) = Σ a_i · 2^(−(t − t_i)/H)
//
// Stored naively as (value, reference time) every write is read-decay-write, which is neither
// commutative nor idempotent-friendly. Instead time is cut into eras of E = 32·H and each era keeps
// its own accumulator, relative to the era's start s_k = k·E:
//
//     A_k = Σ_{t_i in era k} a_i · 2^((t_i − s_k)/H)          (each term in [a_i, a_i·2^32))
//     v(t) = Σ_{k ∈ {k(t), k(t) − 1}} A_k · 2^(−(t − s_k)/H)
//
// Each term of A_k decays back to exactly a_i·2^(−(t − t_i)/H), so a write is a plain HINCRBYFLOAT
// (order-independent, no read), and the exponent never exceeds 32, far from double overflow. Events
// older than the previous era are dropped by definition: they are at least one era old, so they
// would weigh at most 2^−32. Online and offline evaluate this same formula.
//
// Storage. One hash per (entity, half-life), e.g. `{i:7}:d21600`, with fields `<id>|<era>` or
// `<id>:<subKey>|<era>` (sub-keys: the category, for affinities). A write that creates a field also
// deletes the same field two and three eras back (never read again), and sets the hash's expiry to
// the end of the era after next: untouched for that long, every field in it is unreadable. Writes
// to an existing field need neither: its creation already cleared those eras, and the expiry set
// then covers every field the hash can hold (each field of era k is read until (k + 2)·E, and the
// creation of the newest era's field set the expiry to at least that).
import type { FeatureEvent } from "../featureEvent.ts";
import type { Counter, CounterEntity, EntityOps, EntityState, EventFacts, StateReads } from "./counter.ts";

/** Era length in half-lives: large enough that dropping older eras is invisible, small enough for doubles. */
export const ERA_HALF_LIVES = 32;

/** The fields holding one sub-key's accumulators for the era of a read and the era before. */
type ReadFields = { era: number; current: string; previous: string };

export type Contribution = { subKey: string; amount: number };

/** valueAt's last answer (see there). */
type ValueMemo = { state: EntityState | undefined; atMs: number; subKey: string; seen: boolean; value: number };

export type DecayedSumOptions = {
  id: string;
  entity: CounterEntity;
  halfLifeMs: number;
  /** What one event adds, per sub-key ("" for a plain counter); empty or 0 → nothing. */
  contributions: (event: FeatureEvent, facts: EventFacts) => readonly Contribution[];
  /** Constants `contributions` uses from outside (e.g. weight tables), so the digest sees them change. */
  parameters?: Readonly<Record<string, string | number>>;
};

export class DecayedSum implements Counter {
  readonly id: string;
  readonly entity: CounterEntity;
  readonly spec: Readonly<Record<string, string | number>>;
  readonly halfLifeMs: number;
  private readonly eraMs: number;
  private readonly hashName: string;
  /** The same for every read, so built once (callers only iterate it). */
  private readonly stateReads: StateReads;
  private readonly contributions: DecayedSumOptions["contributions"];
  private readonly fieldMemo = new Map<string, { era: number; field: string; clears: readonly string[] }>();
  private decay = { atMs: Number.NaN, current: Number.NaN, previous: Number.NaN };
  private plainReadFields: ReadFields = { era: Number.NaN, current: "", previous: "" };
  private readonly readFieldMemo = new Map<string, ReadFields>();
  private readonly plainMemo: ValueMemo = { state: undefined, atMs: Number.NaN, subKey: "", seen: false, value: 0.5 };
  private readonly keyedMemo: ValueMemo = { state: undefined, atMs: Number.NaN, subKey: "", seen: false, value: 0.5 };

  constructor(options: DecayedSumOptions) {
    if (!Number.isInteger(options.halfLifeMs) || options.halfLifeMs < 1000 || options.halfLifeMs % 1000 !== 0) {
      throw new RangeError(`halfLifeMs must be whole seconds, got ${options.halfLifeMs}`);
    }
    this.id = options.id;
    this.entity = options.entity;
    this.halfLifeMs = options.halfLifeMs;
    this.eraMs = ERA_HALF_LIVES * options.halfLifeMs;
    this.hashName = `d${options.halfLifeMs / 1000}`;
    this.stateReads = { hashes: [this.hashName], sortedSets: [] };
    this.contributions = options.contributions;
    this.spec = {
      kind: "decayedSum",
      halfLifeMs: options.halfLifeMs,
      eraHalfLives: ERA_HALF_LIVES,
      contributions: options.contributions.toString(),
      ...options.parameters,
    };
  }

  opsFor(event: FeatureEvent, facts: EventFacts, nowMs: number, ops: EntityOps): void {
    const era = this.eraOf(event.occurredAt);
    const nowEra = this.eraOf(nowMs);
    // Older than the previous era: no read at a time ≥ now would include it.
    if (era < nowEra - 1) return;
    const ttlMs = Math.ceil((Math.max(era, nowEra) + 2) * this.eraMs - nowMs);
    const scale = 2 ** ((event.occurredAt - era * this.eraMs) / this.halfLifeMs);
    for (const { subKey, amount } of this.contributions(event, facts)) {
      if (amount === 0) continue;
      const { field, clears } = this.fieldsOf(subKey, era);
      ops.increment(this.hashName, field, amount * scale, ttlMs, "created", clears);
    }
  }

  reads(): StateReads {
    return this.stateReads;
  }

  /** v(t) for one sub-key; null when neither era has a value (nothing ever counted, or all dropped). */
  valueAt(state: EntityState, atMs: number, subKey = ""): number | null {
    // The last answer, per kind of sub-key: features read one state several times at one time (a
    // CTR reads the impressions and clicks its neighbours read; an affinity and its share read the
    // user's total for every candidate). A state is a read-only snapshot, so the same state, time
    // and sub-key give the same value.
    const memo = subKey === "" ? this.plainMemo : this.keyedMemo;
    if (memo.state === state && Object.is(memo.atMs, atMs) && memo.subKey === subKey) return memo.seen ? memo.value : null;
    const value = this.computeValueAt(state, atMs, subKey);
    memo.state = state;
    memo.atMs = atMs;
    memo.subKey = subKey;
    // A number field and a flag, not `number | null`: a double stored into a field that may hold null is boxed anew each time.
    memo.seen = value !== null;
    memo.value = value ?? 0;
    return value;
  }

  private computeValueAt(state: EntityState, atMs: number, subKey: string): number | null {
    const hash = state.hashes.get(this.hashName);
    if (!hash) return null;
    const era = this.eraOf(atMs);
    const fields = this.readFieldsOf(subKey, era);
    // The two eras unrolled (current, then previous: the same order, so the same rounding, as ever).
    let value = 0;
    let seen = false;
    const current = hash[fields.current];
    if (current !== undefined) {
      seen = true;
      value += current * this.decayAt(atMs, era).current;
    }
    const previous = hash[fields.previous];
    if (previous !== undefined) {
      seen = true;
      value += previous * this.decayAt(atMs, era).previous;
    }
    return seen ? value : null;
  }

  /**
   * 2^(−(t − s_k)/H) for the read's era and the one before, memoised for the last `atMs`: a request
   * evaluates every candidate at one time. The same expressions as ever, so the same bits.
   */
  private decayAt(atMs: number, era: number): { atMs: number; current: number; previous: number } {
    if (!Object.is(this.decay.atMs, atMs)) {
      this.decay = {
        atMs,
        current: 2 ** (-(atMs - era * this.eraMs) / this.halfLifeMs),
        previous: 2 ** (-(atMs - (era - 1) * this.eraMs) / this.halfLifeMs),
      };
    }
    return this.decay;
  }

  /**
   * The field names a read at era `era` looks up, memoised per sub-key: reads run per candidate and
   * feature on the request path, and an era lasts 32 half-lives, so the names almost never change.
   */
  private readFieldsOf(subKey: string, era: number): ReadFields {
    if (subKey === "") {
      if (this.plainReadFields.era !== era) this.plainReadFields = { era, current: this.field("", era), previous: this.field("", era - 1) };
      return this.plainReadFields;
    }
    const cached = this.readFieldMemo.get(subKey);
    if (cached && cached.era === era) return cached;
    const fields = { era, current: this.field(subKey, era), previous: this.field(subKey, era - 1) };
    if (this.readFieldMemo.size >= 10_000) this.readFieldMemo.clear();
    this.readFieldMemo.set(subKey, fields);
    return fields;
  }

  /** The era's field and the fields it clears, memoised per sub-key (a batch's events share an era). */
  private fieldsOf(subKey: string, era: number): { field: string; clears: readonly string[] } {
    const cached = this.fieldMemo.get(subKey);
    if (cached && cached.era === era) return cached;
    const fields = { era, field: this.field(subKey, era), clears: [this.field(subKey, era - 2), this.field(subKey, era - 3)] as const };
    if (this.fieldMemo.size >= 10_000) this.fieldMemo.clear();
    this.fieldMemo.set(subKey, fields);
    return fields;
  }

  private eraOf(ms: number): number {
    return Math.floor(ms / this.eraMs);
  }

  private field(subKey: string, era: number): string {
    return subKey === "" ? `${this.id}|${era}` : `${this.id}:${subKey}|${era}`;
  }
}
