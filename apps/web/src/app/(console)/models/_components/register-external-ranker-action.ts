"use server";
// Registers an external ONNX ranker: checks the form (and the feature names against the registry)
// here, then hands the file, base64-encoded, to the engine's admin API, which loads the model and
// checks its shapes. A refusal comes back as the engine's own message, next to the field it names.
import { can, rolesSentence } from "@/lib/permissions.ts";
import { getCurrentUser } from "@/server/auth/current-user.ts";
import { getDb } from "@/server/db.ts";
import { fetchDeclarableFeatures, registerExternalRanker } from "@/server/engine/engine-models.ts";
import { listDeclarableFeatures } from "@/server/services/model-version.ts";
import { type ExternalRankerField, externalRankerFieldsSchema, onnxFileProblem, unknownFeatures } from "@/lib/external-ranker-form-input.ts";

export type RegisterExternalRankerState =
  | { status: "idle" }
  | { status: "registered"; id: string; version: number | null; name: string; at: number }
  | {
      status: "refused";
      /** Shown above the form. */
      message: string;
      fieldErrors: Partial<Record<ExternalRankerField, string>>;
      at: number;
    };

const ENGINE_FIELD_TO_FORM: Record<string, ExternalRankerField> = {
  onnxBase64: "file",
  name: "name",
  features: "features",
  outputs: "outputs",
  notes: "notes",
};

function refused(message: string, fieldErrors: Partial<Record<ExternalRankerField, string>> = {}): RegisterExternalRankerState {
  return { status: "refused", message, fieldErrors, at: Date.now() };
}

export async function registerExternalRankerAction(_previous: RegisterExternalRankerState, form: FormData): Promise<RegisterExternalRankerState> {
  const user = await getCurrentUser();
  if (!user) return refused("Your session has ended. Sign in again to register a model.");
  if (!can(user.role, "model.register")) return refused(`Registering models needs ${rolesSentence("model.register")}.`);

  const fileEntry = form.get("file");
  const file = fileEntry instanceof File ? fileEntry : null;
  const fieldErrors: Partial<Record<ExternalRankerField, string>> = {};
  const fileProblem = onnxFileProblem(file);
  if (fileProblem) fieldErrors.file = fileProblem;
  const parsed = externalRankerFieldsSchema.safeParse({
    name: String(form.get("name") ?? ""),
    features: String(form.get("features") ?? ""),
    outputs: String(form.get("outputs") ?? ""),
    notes: String(form.get("notes") ?? ""),
  });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path[0] as ExternalRankerField | undefined;
      if (field && !fieldErrors[field]) fieldErrors[field] = issue.message;
    }
  }
  if (parsed.success) {
    let registry: Set<string>;
    try {
      const declarable = await listDeclarableFeatures(getDb(), fetchDeclarableFeatures);
      registry = new Set(declarable.features.map((feature) => feature.name));
    } catch (error) {
      console.error("reading the feature registry failed:", error);
      return refused("The console cannot read the feature registry right now. Try again in a moment.");
    }
    const unknown = unknownFeatures(parsed.data.features, registry);
    if (unknown.length > 0) fieldErrors.features = `Not in the feature registry: ${unknown.join(", ")}.`;
  }
  if (!parsed.success || !file || Object.keys(fieldErrors).length > 0) {
    return refused("Fix the highlighted fields.", fieldErrors);
  }

  const onnxBase64 = Buffer.from(await file.arrayBuffer()).toString("base64");
  const result = await registerExternalRanker(
    {
      name: parsed.data.name,
      features: parsed.data.features,
      outputs: parsed.data.outputs,
      ...(parsed.data.notes ? { notes: parsed.data.notes } : {}),
      onnxBase64,
    },
    user.email,
  );
  if (!result.ok) {
    const field = result.field ? (ENGINE_FIELD_TO_FORM[result.field] ?? null) : null;
    return refused(`The engine refused the model: ${result.message}`, field ? { [field]: result.message } : {});
  }
  return { status: "registered", id: result.data.id, version: result.data.version, name: parsed.data.name, at: Date.now() };
}
