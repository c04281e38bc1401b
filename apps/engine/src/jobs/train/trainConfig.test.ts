import { describe, expect, it } from "vitest";
import { parseTrainConfig, TrainConfigError } from "./trainConfig.ts";

describe("parseTrainConfig", () => {
  it("fills every default from an empty config, the ranker's included", () => {
    const config = parseTrainConfig({});
    expect(config.window.days).toBe(28);
    expect(config.retrieval.evaluation.ks).toEqual([10, 100]);
    expect(config.ranker.ipsWeighting).toEqual({ enabled: false, clip: 20 });
    expect(config.ranker.positionBias.enabled).toBe(false);
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
  });
});
