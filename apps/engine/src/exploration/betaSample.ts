// Beta(a, b) draws as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
import type { Random } from "@cascade/core";

export function sampleBeta(random: Random, alpha: number, beta: number): number {
  const x = random.gamma(alpha);
  const y = random.gamma(beta);
  return x + y === 0 ? 0.5 : x / (x + y);
}
