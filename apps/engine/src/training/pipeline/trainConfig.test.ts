import { describe, expect, it } from "vitest";
import { parseTrainConfig, TrainConfigError } from "./trainConfig.ts";

describe("parseTrainConfig", () => {
  it("fills every default from an empty config, the ranker's included", () => {
    const config = parseTrainConfig({});
    // No length: the window is the whole log, on the data's own clock.
    expect(config.window.days).toBeUndefined();
    expect(config.positives).toEqual({ eventTypes: ["click", "like", "watch", "purchase", "rating"], minRating: null, minWeight: null });
    expect(config.rankerExamples).toEqual({ source: "auto", negativesPerPositive: 4, popularShare: 0.5, promote: false });
    expect(config.retrieval.refitOnAllData).toBe(true);
    expect(config.retrieval.evaluation.ks).toEqual([10, 100]);
    expect(config.ranker.ipsWeighting).toEqual({ enabled: false, clip: 20 });
    expect(config.ranker.positionBias.enabled).toBe(false);
    expect(config.itemToItem).toEqual({ enabled: true, method: "auto", maxEaseItems: 4_000, neighbours: 200, regularization: 250, scoringWeights: 4_000_000 });
    expect(config.names.itemToItem).toBe("item-to-item");
  });

  it("passes debiasing options through to the ranker section", () => {
    const config = parseTrainConfig({ ranker: { ipsWeighting: { enabled: true, clip: 5 }, positionBias: { enabled: true } } });
    expect(config.ranker.ipsWeighting).toEqual({ enabled: true, clip: 5 });
    expect(config.ranker.positionBias).toEqual({ enabled: true, referencePosition: 0 });
  });

  it("names the offending field, and refuses unknown ones", () => {
    expect(() => parseTrainConfig({ retrieval: { training: { epochs: 0 } } })).toThrow(/retrieval\.training\.epochs/);
    expect(() => parseTrainConfig({ ranker: { ipsWeighting: { clip: 0.5 } } })).toThrow(/ranker\.ipsWeighting\.clip/);
    expect(() => parseTrainConfig({ retreival: {} })).toThrow(TrainConfigError);
    expect(() => parseTrainConfig({ itemToItem: { method: "svd" } })).toThrow(/itemToItem\.method/);
    expect(() => parseTrainConfig({ itemToItem: { neighbours: 0 } })).toThrow(/itemToItem\.neighbours/);
    expect(() => parseTrainConfig({ itemToItem: { lambda: 10 } })).toThrow(/itemToItem/);
  });
});
