import { describe, expect, it } from "vitest";
import { affinity } from "./groundTruth.ts";
import { dotRows } from "./vectors.ts";
import { DAY_MS, generateWorld, WORLD_PARAMETERS } from "./world.ts";
import { resolveDemoConfig } from "./worldConfig.ts";

const END = Date.UTC(2025, 5, 1);
const config = resolveDemoConfig("tiny", { endAtMs: END });
const world = generateWorld(config);

function rowNorm(matrix: Float32Array, row: number, dimensions: number): number {
  let sum = 0;
  for (let d = 0; d < dimensions; d += 1) sum += matrix[row * dimensions + d]! ** 2;
  return Math.sqrt(sum);
}

describe("generateWorld", () => {
  it("is a pure function of the config", () => {
    expect(generateWorld(config)).toEqual(world);
    const other = generateWorld({ ...config, seed: config.seed + 1 });
    expect(other.items.vector).not.toEqual(world.items.vector);
  });

  it("keeps parts independent: more users leave the catalogue unchanged", () => {
    const moreUsers = generateWorld({ ...config, users: config.users * 2 });
    expect(moreUsers.items).toEqual(world.items);
    expect(moreUsers.users.taste.subarray(0, world.users.taste.length)).toEqual(world.users.taste);
  });

  it("has the configured sizes and unit latent vectors", () => {
    expect(world.items.count).toBe(500);
    expect(world.users.count).toBe(200);
    expect(world.creators.count).toBeGreaterThanOrEqual(world.categories.count);
    for (let i = 0; i < world.items.count; i += 1) expect(rowNorm(world.items.vector, i, world.dimensions)).toBeCloseTo(1, 5);
    for (let u = 0; u < world.users.count; u += 1) expect(rowNorm(world.users.taste, u, world.dimensions)).toBeCloseTo(1, 5);
  });

  it("gives every category a creator and items mostly in their creator's category", () => {
    const categoriesWithCreators = new Set(world.creators.category);
    expect(categoriesWithCreators.size).toBe(world.categories.count);
    let inCreatorCategory = 0;
    for (let i = 0; i < world.items.count; i += 1) {
      if (world.items.category[i] === world.creators.category[world.items.creator[i]!]) inCreatorCategory += 1;
    }
    expect(inCreatorCategory / world.items.count).toBeGreaterThan(0.8);
  });

  it("places items closer to users who like their category", () => {
    // The mean affinity to items of a user's favourite category beats the mean over all items.
    let favourite = 0;
    let overall = 0;
    for (let u = 0; u < world.users.count; u += 1) {
      const mixture = world.users.categoryMixture.subarray(u * world.categories.count, (u + 1) * world.categories.count);
      const top = mixture.indexOf(Math.max(...mixture));
      let sumTop = 0;
      let countTop = 0;
      let sumAll = 0;
      for (let i = 0; i < world.items.count; i += 1) {
        const a = affinity(world, u, i);
        sumAll += a;
        if (world.items.category[i] === top) {
          sumTop += a;
          countTop += 1;
        }
      }
      favourite += countTop > 0 ? sumTop / countTop : 0;
      overall += sumAll / world.items.count;
    }
    expect(favourite / world.users.count).toBeGreaterThan(overall / world.users.count + 0.3);
  });

  it("has many niches grouped in genres, and users concentrated on a few of them", () => {
    const larger = generateWorld(resolveDemoConfig("small", { endAtMs: END }));
    const K = larger.categories.count;
    expect(K).toBeGreaterThan(WORLD_PARAMETERS.genres);
    expect(new Set(larger.categories.names).size).toBe(K);
    // Niches of one genre (k mod 20) lean the same way; niches of different genres do not.
    let sameGenre = 0;
    let sameCount = 0;
    let otherGenre = 0;
    let otherCount = 0;
    for (let a = 0; a < K; a += 1) {
      for (let b = a + 1; b < K; b += 1) {
        const dot = dotRows(larger.categories.centroids, a, larger.categories.centroids, b, larger.dimensions);
        if (a % WORLD_PARAMETERS.genres === b % WORLD_PARAMETERS.genres) {
          sameGenre += dot;
          sameCount += 1;
        } else {
          otherGenre += dot;
          otherCount += 1;
        }
      }
    }
    expect(sameGenre / sameCount).toBeGreaterThan(otherGenre / otherCount + 0.15);
    // Most users put most of their taste on three niches or fewer.
    const topThree: number[] = [];
    for (let u = 0; u < larger.users.count; u += 1) {
      const mixture = [...larger.users.categoryMixture.subarray(u * K, (u + 1) * K)].sort((a, b) => b - a);
      topThree.push(mixture[0]! + mixture[1]! + mixture[2]!);
    }
    topThree.sort((a, b) => a - b);
    expect(topThree[Math.floor(topThree.length / 2)]).toBeGreaterThan(0.7);
  });

  it("has heavy-tailed popularity, fresh items and some unavailable ones", () => {
    // Pareto-tailed exposure weights: the top 10% of items carry several times their share.
    const popularity = [...world.items.popularity].sort((a, b) => b - a);
    const total = popularity.reduce((sum, p) => sum + p, 0);
    const topShare = popularity.slice(0, popularity.length / 10).reduce((sum, p) => sum + p, 0) / total;
    expect(topShare).toBeGreaterThan(0.3);
    expect(popularity[0]! / popularity[Math.floor(popularity.length / 2)]!).toBeGreaterThan(10);
    const freshSince = END - WORLD_PARAMETERS.freshDays * DAY_MS;
    const fresh = world.items.publishedAtMs.filter((at) => at >= freshSince && at <= END).length;
    expect(fresh / world.items.count).toBeGreaterThan(0.01);
    expect(fresh / world.items.count).toBeLessThan(0.08);
    const unavailable = world.items.availableUntilMs.filter((until) => Number.isFinite(until));
    expect(unavailable.length).toBeGreaterThan(0);
    for (const until of unavailable) expect(until).toBeLessThanOrEqual(END);
  });

  it("builds a follow graph of existing creators without duplicates", () => {
    const { followOffsets, followCreators, followedAtMs, joinedAtMs } = world.users;
    expect(followCreators.length).toBeGreaterThan(world.users.count);
    for (let u = 0; u < world.users.count; u += 1) {
      const creators = followCreators.subarray(followOffsets[u]!, followOffsets[u + 1]!);
      expect(new Set(creators).size).toBe(creators.length);
      for (let f = followOffsets[u]!; f < followOffsets[u + 1]!; f += 1) {
        expect(followCreators[f]).toBeLessThan(world.creators.count);
        expect(followedAtMs[f]).toBeGreaterThanOrEqual(joinedAtMs[u]!);
        expect(followedAtMs[f]).toBeLessThanOrEqual(END);
      }
    }
  });
});
