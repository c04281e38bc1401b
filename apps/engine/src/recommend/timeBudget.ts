// Time budgets for request-path work: a stage that overruns its budget is abandoned (fail open)
// instead of stalling the response.

export class BudgetExceededError extends Error {
  override readonly name = "BudgetExceededError";
}

/** Resolves like `work`, or rejects with BudgetExceededError after `budgetMs`; a late failure of `work` is ignored. */
export async function withinBudget<T>(work: Promise<T>, budgetMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BudgetExceededError(`${what} exceeded its ${budgetMs} ms budget`)), budgetMs);
  });
  work.catch(() => undefined);
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
