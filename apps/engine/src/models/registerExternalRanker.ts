// Registering an external ONNX ranker (CLI `cascade models register`, admin API): validate it,
// store the file as an artifact, add a candidate version (kind external_ranker), promote if asked.
// Nothing is stored or registered for a file that fails validation.
import { rm } from "node:fs/promises";
import { promoteModelVersion, registerModelVersion, type Database, type ModelRegistryActor, type ModelVersion, type PromoteResult } from "@cascade/db";
import { storeArtifacts } from "./artifactStore.ts";
import { validateExternalRanker, type ExternalRankerReport } from "./externalRanker.ts";

export const EXTERNAL_RANKER_FILE = "model.onnx";

export type RegisterExternalRankerInput = {
  dataDir: string;
  name: string;
  features: readonly string[];
  outputs: readonly string[];
  notes?: string;
  onnxBytes: Uint8Array;
  promote?: boolean;
  actor?: ModelRegistryActor;
};

export type RegisterExternalRankerResult = { version: ModelVersion; validation: ExternalRankerReport; promotion: PromoteResult | null };

export async function registerExternalRanker(db: Database, input: RegisterExternalRankerInput): Promise<RegisterExternalRankerResult> {
  const validation = await validateExternalRanker(input.onnxBytes, { features: input.features, outputs: input.outputs });
  const stored = await storeArtifacts({ dataDir: input.dataDir, kind: "external_ranker", files: [{ name: EXTERNAL_RANKER_FILE, bytes: input.onnxBytes }] });
  let version: ModelVersion;
  try {
    version = await registerModelVersion(db, {
      kind: "external_ranker",
      name: input.name,
      artifactPath: stored.files[0]!.path,
      artifactDigest: stored.files[0]!.sha256,
      features: input.features,
      outputs: input.outputs,
      notes: input.notes ?? "",
      config: { source: "external", inputName: validation.inputName, artifactBytes: stored.files[0]!.bytes },
    });
  } catch (error) {
    // An artifact nobody registered is garbage; remove it so the data dir holds only registered versions.
    await rm(stored.dir, { recursive: true, force: true });
    throw error;
  }
  const promotion = input.promote ? await promoteModelVersion(db, version.id, input.actor) : null;
  return { version: promotion?.promoted ?? version, validation, promotion };
}
