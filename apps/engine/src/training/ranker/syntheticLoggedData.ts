// A tiny logged world for the ranker pipeline's tests, with the demo world's biases in miniature
// and the truth known: each request shows a slate drawn by a stochastic logging policy (known
// propensities) that favours `popularity`; users examine slot p with probability (1 + p)^−1 and
// click an examined item with probability r = σ(3·taste·style + 1.2·quality − 1.5) — an
// interaction a linear model cannot represent. Rows come out as training-set records (the columns
// `cascade training-set` writes), in time order.
import { createRandom } from "@cascade/core";
import { sigmoid } from "../../ranking/multiTaskRanker.ts";
import type { TrainingSetRecord } from "./rankingExamples.ts";

export const LOGGED_FEATURES = ["taste", "style", "quality", "popularity"] as const;

export type SyntheticLoggedData = {
  records: TrainingSetRecord[];
  /** P(click | examined) per record, in record order. */
  relevance: Float64Array;
};

export type SyntheticLoggedOptions = {
  requests: number;
  seed: number;
  /** Candidates per request pool and slate length (defaults 12 and 6). */
  poolSize?: number;
  slateLength?: number;
  /** Share of uniform exploration in the logging policy (default 0.2). */
  exploration?: number;
};

const START_MS = Date.UTC(2030, 0, 1);

export function syntheticLoggedData(options: SyntheticLoggedOptions): SyntheticLoggedData {
  const random = createRandom(options.seed);
  const poolSize = options.poolSize ?? 12;
  const slateLength = options.slateLength ?? 6;
  const exploration = options.exploration ?? 0.2;
  const records: TrainingSetRecord[] = [];
  const relevance: number[] = [];
  for (let request = 0; request < options.requests; request += 1) {
    const taste = random.normal();
    const at = new Date(START_MS + request * 60_000).toISOString();
    const pool = Array.from({ length: poolSize }, () => ({ style: random.normal(), quality: random.normal(), popularity: random.normal() }));
    // Plackett–Luce on 1.5·popularity, mixed with uniform exploration; propensity of each pick.
    const remaining = pool.map((_, index) => index);
    for (let position = 0; position < Math.min(slateLength, poolSize); position += 1) {
      const weights = remaining.map((index) => Math.exp(1.5 * pool[index]!.popularity));
      const total = weights.reduce((sum, weight) => sum + weight, 0);
      let pick: number;
      if (random.next() < exploration) pick = random.int(remaining.length);
      else {
        let threshold = random.next() * total;
        pick = remaining.length - 1;
        for (let r = 0; r < remaining.length; r += 1) {
          threshold -= weights[r]!;
          if (threshold < 0) {
            pick = r;
            break;
          }
        }
      }
      const propensity = (1 - exploration) * (weights[pick]! / total) + exploration / remaining.length;
      const item = pool[remaining[pick]!]!;
      remaining.splice(pick, 1);
      const r = sigmoid(3 * taste * item.style + 1.2 * item.quality - 1.5);
      const clicked = random.chance(1 / (1 + position)) && random.chance(r);
      const liked = clicked && random.chance(sigmoid(2 * item.quality - 0.5));
      const watch = clicked ? Math.round(60 * sigmoid(taste * item.style + random.normal() * 0.5)) : 0;
      relevance.push(r);
      records.push({
        request_id: `req-${request}`,
        user_id: `user-${request % 50}`,
        item_id: `item-${request}-${position}`,
        impression_at: at,
        surface: "home",
        position,
        propensity,
        label_click: clicked ? 1 : 0,
        label_like: liked ? 1 : 0,
        label_share: 0,
        label_watch: watch > 0 ? 1 : 0,
        label_purchase: 0,
        label_negative: 0,
        watch_seconds: watch,
        taste,
        style: item.style,
        quality: item.quality,
        popularity: item.popularity,
      });
    }
  }
  return { records, relevance: Float64Array.from(relevance) };
}
