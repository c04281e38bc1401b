// Round axis ticks (0, 10K, 20K, 30K, 40K rather than recharts' 0, 9.5K, 19K, 28.5K, 38K for a
// maximum of 37,950): people read values off the gridlines, so the gridlines should be round.

/** Steps of 1, 2, 2.5 or 5 times a power of ten. */
function niceStep(roughStep: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(roughStep));
  const fraction = roughStep / magnitude;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * magnitude;
}

/** A zero-based axis whose top is a round number at or above `maxValue`, with about `targetTicks` intervals. */
export function niceAxis(maxValue: number, targetTicks = 4): { domain: [number, number]; ticks: number[] } {
  if (!Number.isFinite(maxValue) || maxValue <= 0) return { domain: [0, 1], ticks: [0, 1] };
  // Integer counts never need fractional gridlines.
  const step = Math.max(1, niceStep(maxValue / targetTicks));
  const top = Math.ceil(maxValue / step) * step;
  const ticks: number[] = [];
  for (let tick = 0; tick <= top + step / 2; tick += step) ticks.push(tick);
  return { domain: [0, top], ticks };
}
