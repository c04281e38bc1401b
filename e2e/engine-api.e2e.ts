// The engine over real HTTP, as a client app would call it, on the e2e server's demo data.
import { DEMO_API_KEY } from "@cascade/core";
import { expect, test } from "@playwright/test";

const auth = { authorization: `Bearer ${DEMO_API_KEY}` };

test("health reports the database and store", async ({ request }) => {
  const response = await request.get("/v1/health");
  expect(response.status()).toBe(200);
  const body = await response.json();
  expect(body.database.status).toBe("ok");
  expect(body.database.mode).toBe("external");
  expect(body.store.mode).toBe("redis");
  expect(body.store.status).toBe("ok");
});

test("a known user gets a non-repeating recommendation list", async ({ request }) => {
  const first = await request.post("/v1/recommendations", { headers: auth, data: { userId: "user-00001", count: 10 } });
  expect(first.status()).toBe(200);
  const page1 = await first.json();
  expect(page1.items).toHaveLength(10);
  expect(page1.requestId).toBeTruthy();
  expect(page1.items.map((item: { position: number }) => item.position)).toEqual([...Array(10).keys()]);

  const second = await request.post("/v1/recommendations", {
    headers: auth,
    data: { userId: "user-00001", count: 10, cursor: page1.cursor },
  });
  const page2 = await second.json();
  const firstIds = new Set(page1.items.map((item: { itemId: string }) => item.itemId));
  expect(page2.items.length).toBeGreaterThan(0);
  for (const item of page2.items) expect(firstIds.has(item.itemId)).toBe(false);
});

test("requests without a key are refused with a JSON error", async ({ request }) => {
  const response = await request.post("/v1/recommendations", { data: { userId: "user-00001" } });
  expect(response.status()).toBe(401);
  expect((await response.json()).error.code).toBe("unauthorized");
});

test("bad input names the field", async ({ request }) => {
  const response = await request.post("/v1/recommendations", { headers: auth, data: { userId: "user-00001", count: 0 } });
  expect(response.status()).toBe(400);
  const body = await response.json();
  expect(body.error.issues.map((issue: { path: string }) => issue.path)).toContain("count");
});
