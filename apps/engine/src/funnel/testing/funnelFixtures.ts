// Tiny fixtures for funnel, rule and exploration tests.
import type { Candidate } from "../candidate.ts";
import type { FunnelQuery } from "../query.ts";

export const NOW_MS = Date.UTC(2026, 10, 24, 12);
export const HOUR_MS = 3_600_000;

export type CandidateSpec = {
  score?: number;
  category?: string;
  creator?: string | null;
  ageHours?: number;
  available?: boolean;
  tags?: string[];
  features?: Record<string, number>;
  numbers?: Record<string, number>;
  embedding?: number[];
  hydrated?: boolean;
};

export function candidate(itemId: string, spec: CandidateSpec = {}): Candidate {
  const built: Candidate = { itemId, sources: [{ id: "test", rank: 0 }], features: { ...spec.features }, scores: {}, score: spec.score ?? 0 };
  if (spec.hydrated !== false) {
    built.item = {
      category: spec.category ?? "general",
      creatorId: spec.creator === undefined ? `creator-of-${itemId}` : spec.creator,
      tags: spec.tags ?? [],
      publishedAtMs: NOW_MS - (spec.ageHours ?? 1) * HOUR_MS,
      available: spec.available ?? true,
      ...(spec.numbers ? { numbers: spec.numbers } : {}),
    };
  }
  if (spec.embedding) built.embedding = spec.embedding;
  return built;
}

export function query(overrides: Partial<FunnelQuery> = {}): FunnelQuery {
  return { requestId: "req-1", userId: "u-1", surface: "home", count: 10, nowMs: NOW_MS, context: {}, excludeItemIds: [], seed: 1, ...overrides };
}

export const ids = (candidates: readonly { itemId: string }[]) => candidates.map((c) => c.itemId);
