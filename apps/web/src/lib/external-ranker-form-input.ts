// The "Register external ranker" form's fields, parsed the same way in the browser (instant
// feedback) and in the server action (the check that counts).
import { z } from "zod";

/** Server actions accept 1 MB bodies by default (Next's serverActions.bodySizeLimit). */
export const MAX_ONNX_BYTES = 900 * 1024;

/** "a, b,c" or one per line → ["a", "b", "c"], order kept (it is the model's input column order). */
export function parseNameList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((name) => name.trim())
    .filter(Boolean);
}

function duplicatesOf(names: readonly string[]): string[] {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const name of names) (seen.has(name) ? duplicates : seen).add(name);
  return [...duplicates];
}

const nameListSchema = (what: string) =>
  z
    .string()
    .transform(parseNameList)
    .pipe(
      z
        .array(z.string())
        .min(1, `List at least one ${what}.`)
        .superRefine((names, context) => {
          const duplicates = duplicatesOf(names);
          if (duplicates.length > 0) context.addIssue({ code: "custom", message: `Listed twice: ${duplicates.join(", ")}.` });
        }),
    );

export const externalRankerFieldsSchema = z.object({
  name: z.string().trim().min(1, "Give the model a name.").max(100, "Keep the name to 100 characters."),
  features: nameListSchema("input feature"),
  outputs: nameListSchema("output").pipe(z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$/, "Output names are identifiers like p_click."))),
  notes: z.string().trim().max(2000, "Keep the notes under 2000 characters."),
});
export type ExternalRankerFields = z.infer<typeof externalRankerFieldsSchema>;

export type ExternalRankerField = "file" | "name" | "features" | "outputs" | "notes";

/** Features not in the registry, in the order listed. */
export function unknownFeatures(features: readonly string[], registry: ReadonlySet<string>): string[] {
  return features.filter((name) => !registry.has(name));
}

/** Problem with the chosen file, or null. */
export function onnxFileProblem(file: { name: string; size: number } | null): string | null {
  if (!file || file.size === 0) return "Choose an .onnx file.";
  if (!file.name.toLowerCase().endsWith(".onnx")) return "The file must be an ONNX model (.onnx).";
  if (file.size > MAX_ONNX_BYTES) return `The file is ${Math.ceil(file.size / 1024)} KiB; the console accepts up to ${MAX_ONNX_BYTES / 1024} KiB.`;
  return null;
}
