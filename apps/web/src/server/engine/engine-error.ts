// Turns an engine error answer into a sentence for console users. The engine's 4xx messages are
// written for people (they name the field and the problem) and are passed through; auth and
// server failures get fixed sentences that say what to check.
import { z } from "zod";

// `{error: {code, message, issues?: [{path, message}]}}`; `field` is accepted too.
const engineErrorBodySchema = z.object({
  error: z.object({
    code: z.string().optional(),
    message: z.string().optional(),
    field: z.string().optional(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

/** The engine's own message for 4xx answers (they are written for people); fixed sentences otherwise. */
export function describeEngineError(status: number, body: unknown): [code: string | null, message: string, field: string | null] {
  const parsed = engineErrorBodySchema.safeParse(body);
  const code = parsed.success ? (parsed.data.error.code ?? null) : null;
  const field = parsed.success ? (parsed.data.error.field ?? parsed.data.error.issues?.[0]?.path ?? null) : null;
  if (status === 401) return [code, "The engine did not accept the console's API key (ENGINE_API_KEY).", field];
  if (status === 403) return [code, "The console's engine API key lacks the admin scope this needs.", field];
  if (status === 413) return [code, "The engine refused the request as too large.", field];
  if (status >= 400 && status < 500 && parsed.success && parsed.data.error.message) {
    return [code, parsed.data.error.message, field];
  }
  if (status >= 500) return [code, `The engine failed to handle the request (HTTP ${status}); its log has the details.`, field];
  return [code, `The engine refused the request (HTTP ${status}).`, field];
}
