// The `cascade train` config file (JSON), validated once with zod. Every field has a default, so
// `{}` is a complete config; the two-tower and ranker sections are handed to their trainers (the
// ranker section is the ranker's own schema, rankerPipelineConfigSchema, so its IPS and
// position-bias options are selected here). The parsed config is what the step digests hash.
import { readFile } from "node:fs/promises";
import { positiveSpecSchema } from "@cascade/core";
import { z } from "zod";
import { rankerPipelineConfigSchema } from "../ranker/rankerPipelineConfig.ts";
import { DEFAULT_ANN_OPTIONS } from "../../retrieval/annIndex.ts";
import { ITEM_TO_ITEM_DEFAULTS } from "../../retrieval/itemToItemModel.ts";

const isoInstant = z.iso.datetime({ offset: true }).or(z.iso.date());

// Core's positive spec (positives.ts); by default click, like, watch, purchase and every rating (the
// published MovieLens/RecBole protocol: rating a movie means having watched it).
const positivesSchema = positiveSpecSchema.extend({
  eventTypes: positiveSpecSchema.shape.eventTypes.default(["click", "like", "watch", "purchase", "rating"]),
});

const rankerExamplesSchema = z
  .object({
    /**
     * auto: impressions when the window has any, otherwise positives with sampled negatives;
     * impressions: only logged impressions (a window without them trains no ranker);
     * sampledNegatives: always positives with sampled negatives.
     */
    source: z.enum(["auto", "impressions", "sampledNegatives"]).default("auto"),
    /** Negatives drawn per positive. */
    negativesPerPositive: z.number().int().min(1).max(100).default(4),
    /** Share of negatives drawn by popularity (as of the positive's time); the rest uniformly from the catalogue. */
    popularShare: z.number().min(0).max(1).default(0.5),
    /**
     * Whether `--promote` and the scheduler may activate a ranker trained on sampled negatives.
     * Off by default: such a ranker has no retrieval-score input yet and served worse than
     * retrieval's own order on real data (promotionGate.ts, SAMPLED_NEGATIVE_RANKER_NOT_PROMOTED).
     */
    promote: z.boolean().default(false),
  })
  .strict();

const retrievalSchema = z
  .object({
    /** Two-tower shape; sizes come from the data. */
    model: z
      .object({
        dimensions: z.number().int().min(2).max(1024).optional(),
        historyLength: z.number().int().min(1).max(1024).optional(),
        ageBuckets: z.number().int().min(1).max(64).optional(),
        temperature: z.number().positive().max(10).optional(),
        initScale: z.number().positive().max(10).optional(),
      })
      .strict()
      .prefault({}),
    /** Optimiser and loop settings. */
    training: z
      .object({
        epochs: z.number().int().min(1).max(1000).optional(),
        batchSize: z.number().int().min(2).max(1_000_000).optional(),
        learningRate: z.number().positive().max(1).optional(),
        logQCorrection: z.boolean().optional(),
        itemBias: z.boolean().optional(),
        validationK: z.number().int().positive().optional(),
        maxValidationUsers: z.number().int().positive().optional(),
      })
      .strict()
      .prefault({}),
    /**
     * After validation, train a second model on every interaction of the window (same epochs) and
     * ship that one, so users and items first seen in the validation period are not lost. The
     * reported metrics are the held-out model's.
     */
    refitOnAllData: z.boolean().default(true),
    /** Interactions in the last N days of the window validate (time split). */
    validationDays: z.number().positive().max(3650).default(4),
    fallbackValidationFraction: z.number().gt(0).lt(1).default(0.15),
    evaluation: z
      .object({
        ks: z.array(z.number().int().positive().max(10_000)).min(1).default([10, 100]),
        maxUsers: z.number().int().positive().default(2_000),
      })
      .strict()
      .prefault({}),
  })
  .strict();

const annSchema = z
  .object({
    // The index's own defaults (annIndex.ts says why M 32: M 16 plateaus at recall 0.80 on 1M items).
    m: z.number().int().min(2).max(256).default(DEFAULT_ANN_OPTIONS.m),
    efConstruction: z.number().int().min(8).max(4096).default(DEFAULT_ANN_OPTIONS.efConstruction),
    efSearch: z.number().int().min(8).max(4096).default(DEFAULT_ANN_OPTIONS.efSearch),
    /** User queries used to measure the index's recall@100 against exact search. */
    recallQueries: z.number().int().min(0).max(100_000).default(200),
  })
  .strict();

// The item-to-item model (retrieval/itemToItemModel.ts), trained with the retrieval steps on the
// same positives and evaluated on the same time split as the two-tower.
const itemToItemSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** auto: EASE when the items with positives number at most maxEaseItems, item kNN above. */
    method: z.enum(["auto", "ease", "knn"]).default(ITEM_TO_ITEM_DEFAULTS.method),
    /** EASE inverts a dense n×n matrix: O(n³) time, 8·n² bytes (4,000 items: 128 MB). */
    maxEaseItems: z.number().int().min(1).max(50_000).default(ITEM_TO_ITEM_DEFAULTS.maxEaseItems),
    /** Strongest weights kept per item. */
    neighbours: z.number().int().min(1).max(10_000).default(ITEM_TO_ITEM_DEFAULTS.neighbours),
    /** EASE's λ (RecBole's default 250). */
    regularization: z.number().positive().max(1e9).default(ITEM_TO_ITEM_DEFAULTS.regularization),
    /** EASE: weights stored in all, for re-scoring candidates past the `neighbours` retrieval reads (0: none beyond them). */
    scoringWeights: z.number().int().min(0).max(1e9).default(ITEM_TO_ITEM_DEFAULTS.scoringWeights),
  })
  .strict();

export const trainConfigSchema = z
  .object({
    /**
     * The data window, on the data's own clock: `to` defaults to just after the newest event, `from`
     * to `to − days` when `days` is set and to the oldest event otherwise (the whole log: a
     * historical data set's span is what it is, whatever the wall clock says).
     */
    window: z
      .object({ days: z.number().positive().max(36_500).optional(), from: isoInstant.optional(), to: isoInstant.optional() })
      .strict()
      .prefault({}),
    /** What counts as "the user wanted this item" for retrieval, and as a positive example for a ranker without impressions. */
    positives: positivesSchema.prefault({}),
    /** Seed of every trainer (two-tower init and order, ranker init and shuffles, HNSW levels). */
    seed: z.number().int().min(0).max(0xffff_ffff).default(42),
    trainingSet: z
      .object({
        /** How long after an impression a click/like/watch still counts. */
        labelWindowMinutes: z
          .number()
          .positive()
          .max(7 * 24 * 60)
          .default(30),
        /** Start the feature replay this many days before the window instead of at the first event. */
        warmupDays: z.number().positive().optional(),
      })
      .strict()
      .prefault({}),
    retrieval: retrievalSchema.prefault({}),
    ann: annSchema.prefault({}),
    itemToItem: itemToItemSchema.prefault({}),
    /** The ranker's own config (rankerPipelineConfig.ts): epochs, hidden sizes, ipsWeighting, positionBias, … */
    ranker: rankerPipelineConfigSchema.omit({ seed: true }).prefault({}),
    /** Where ranker examples come from when the window has no impressions (sampledNegatives.ts says how). */
    rankerExamples: rankerExamplesSchema.prefault({}),
    /** Registry names of the versions. */
    names: z
      .object({
        twoTower: z.string().min(1).max(200).default("two-tower"),
        ranker: z.string().min(1).max(200).default("ranker"),
        itemToItem: z.string().min(1).max(200).default("item-to-item"),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type TrainConfigInput = z.input<typeof trainConfigSchema>;
export type TrainConfig = z.output<typeof trainConfigSchema>;

export class TrainConfigError extends Error {
  override readonly name = "TrainConfigError";
}

/** Validates a config object; a bad field is an error naming its path. */
export function parseTrainConfig(input: unknown): TrainConfig {
  const parsed = trainConfigSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(config)"}: ${issue.message}`).join("; ");
    throw new TrainConfigError(`invalid train config: ${problems}`);
  }
  return parsed.data;
}

/** Reads and validates a JSON config file. */
export async function readTrainConfigFile(path: string): Promise<TrainConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new TrainConfigError(`cannot read config ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TrainConfigError(`config ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseTrainConfig(json);
}
