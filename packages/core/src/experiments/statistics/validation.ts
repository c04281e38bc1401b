// Input checks shared by the statistics functions: a bad argument throws an Error that names it,
// because a silently NaN p-value on a results page is worse than a loud failure at the call.

export function assertFiniteNumber(name: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new Error(`${name} must be a finite number, got ${String(value)}`);
}

export function assertNonNegative(name: string, value: number): void {
  assertFiniteNumber(name, value);
  if (value < 0) throw new Error(`${name} must be ≥ 0, got ${value}`);
}

export function assertPositive(name: string, value: number): void {
  assertFiniteNumber(name, value);
  if (value <= 0) throw new Error(`${name} must be > 0, got ${value}`);
}

export function assertCount(name: string, value: number, minimum = 0): void {
  if (!Number.isInteger(value) || value < minimum) throw new Error(`${name} must be an integer ≥ ${minimum}, got ${String(value)}`);
}

/** A probability strictly between 0 and 1 (alpha, power, a baseline rate). */
export function assertOpenUnitInterval(name: string, value: number): void {
  assertFiniteNumber(name, value);
  if (value <= 0 || value >= 1) throw new Error(`${name} must be strictly between 0 and 1, got ${value}`);
}
