"use client";
// Registers an ONNX ranker trained elsewhere. Feature names are checked against the registry as
// they are typed; the engine then checks the file itself (it loads, its input width matches the
// feature list, its outputs exist) and its refusal is shown here verbatim.
import { Button, Card, Select, useToast } from "@cascade/ui";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState, useTransition } from "react";
import { rolesSentence } from "@/lib/permissions.ts";
import { useTRPC } from "@/trpc/react.tsx";
import { type ExternalRankerField, MAX_ONNX_BYTES, parseNameList, unknownFeatures } from "@/lib/external-ranker-form-input.ts";
import { type RegisterExternalRankerState, registerExternalRankerAction } from "./register-external-ranker-action.ts";
import styles from "./models.module.css";

const INITIAL_STATE: RegisterExternalRankerState = { status: "idle" };

function FieldError({ id, message }: { id: string; message: string | undefined }) {
  return message ? (
    <p id={id} className={styles.fieldError} data-testid={id}>
      {message}
    </p>
  ) : null;
}

export function RegisterExternalRankerForm({ canEdit }: { canEdit: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [state, setState] = useState<RegisterExternalRankerState>(INITIAL_STATE);
  const [pending, startTransition] = useTransition();
  const [features, setFeatures] = useState("");
  const [picked, setPicked] = useState("");
  const registry = useQuery(trpc.model.declarableFeatures.queryOptions());
  const registryNames = registry.data?.features.map((feature) => feature.name) ?? [];
  const listed = parseNameList(features);
  const unknown = registry.data ? unknownFeatures(listed, new Set(registryNames)) : [];

  const fieldErrors: Partial<Record<ExternalRankerField, string>> = state.status === "refused" ? state.fieldErrors : {};
  const featureProblem = unknown.length > 0 ? `Not in the feature registry: ${unknown.join(", ")}.` : fieldErrors.features;

  function submit(event: FormEvent<HTMLFormElement>) {
    // Submitted by hand rather than through `action`: React resets a form after its action
    // finishes, which would drop the chosen file and the typed lists when the engine refuses.
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    startTransition(async () => {
      const next = await registerExternalRankerAction(state, data);
      setState(next);
      if (next.status === "registered") {
        toast({
          tone: "success",
          title: `Registered external ranker${next.version !== null ? ` v${next.version}` : ""}`,
          message: `${next.name} is a candidate; promote it to serve it.`,
        });
        form.reset();
        setFeatures("");
        await queryClient.invalidateQueries({ queryKey: trpc.model.list.queryKey() });
      } else if (next.status === "refused") {
        toast({ tone: "danger", title: "Registration refused", message: next.message });
      }
    });
  }

  function addPicked() {
    if (!picked || listed.includes(picked)) return;
    setFeatures(listed.length > 0 ? `${listed.join(", ")}, ${picked}` : picked);
    setPicked("");
  }

  const describedBy = (field: ExternalRankerField, hint?: string) =>
    [hint, fieldErrors[field] || (field === "features" && featureProblem) ? `external-ranker-${field}-error` : undefined].filter(Boolean).join(" ") ||
    undefined;

  return (
    <Card
      title="Register external ranker"
      description="An ONNX model trained elsewhere (PyTorch, XGBoost…): one float32 input [N, features] in the order listed, one [N, 1] output per name. It joins the ranker slot as a candidate."
      data-testid="register-external-ranker"
    >
      <form className={styles.form} onSubmit={submit} aria-label="Register external ranker" noValidate>
        {state.status === "refused" ? (
          <p className={styles.formError} role="alert" data-testid="register-error">
            {state.message}
          </p>
        ) : null}
        <div className={styles.field}>
          <label htmlFor="external-ranker-file">ONNX file</label>
          <input
            id="external-ranker-file"
            name="file"
            type="file"
            accept=".onnx"
            required
            aria-invalid={!!fieldErrors.file}
            aria-describedby={describedBy("file", "external-ranker-file-hint")}
          />
          <p id="external-ranker-file-hint" className={styles.hint}>
            Up to {MAX_ONNX_BYTES / 1024} KiB.
          </p>
          <FieldError id="external-ranker-file-error" message={fieldErrors.file} />
        </div>
        <div className={styles.field}>
          <label htmlFor="external-ranker-name">Name</label>
          <input
            id="external-ranker-name"
            name="name"
            className={styles.input}
            required
            maxLength={100}
            aria-invalid={!!fieldErrors.name}
            aria-describedby={describedBy("name")}
          />
          <FieldError id="external-ranker-name-error" message={fieldErrors.name} />
        </div>
        <div className={styles.field}>
          <label htmlFor="external-ranker-features">Input features, in column order</label>
          <textarea
            id="external-ranker-features"
            name="features"
            className={styles.textarea}
            rows={3}
            value={features}
            onChange={(event) => setFeatures(event.target.value)}
            placeholder="user_events_1h, item_ctr_7d, …"
            aria-invalid={!!featureProblem}
            aria-describedby={describedBy("features", "external-ranker-features-hint")}
          />
          <div className={styles.picker}>
            <Select
              label="Registry feature to add"
              hideLabel
              className={styles.pickerSelect}
              value={picked}
              onChange={(event) => setPicked(event.target.value)}
              disabled={!registry.data}
            >
              <option value="">{registry.data ? "Add a registry feature…" : "Loading the feature registry…"}</option>
              {registryNames
                .filter((name) => !listed.includes(name))
                .map((name) => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
            </Select>
            <Button size="small" onClick={addPicked} disabled={!picked}>
              Add
            </Button>
          </div>
          <p id="external-ranker-features-hint" className={styles.hint}>
            Separated by commas or new lines; {listed.length} listed.
          </p>
          <FieldError id="external-ranker-features-error" message={featureProblem} />
        </div>
        <div className={styles.field}>
          <label htmlFor="external-ranker-outputs">Outputs</label>
          <input
            id="external-ranker-outputs"
            name="outputs"
            className={styles.input}
            placeholder="p_click, p_like, watch_seconds"
            aria-invalid={!!fieldErrors.outputs}
            aria-describedby={describedBy("outputs", "external-ranker-outputs-hint")}
          />
          <p id="external-ranker-outputs-hint" className={styles.hint}>
            The model&apos;s output tensor names, comma-separated.
          </p>
          <FieldError id="external-ranker-outputs-error" message={fieldErrors.outputs} />
        </div>
        <div className={styles.field}>
          <label htmlFor="external-ranker-notes">Notes (optional)</label>
          <input id="external-ranker-notes" name="notes" className={styles.input} maxLength={2000} aria-describedby={describedBy("notes")} />
          <FieldError id="external-ranker-notes-error" message={fieldErrors.notes} />
        </div>
        <div className={styles.formActions}>
          <Button type="submit" variant="primary" disabled={!canEdit || pending || unknown.length > 0} aria-busy={pending}>
            {pending ? "Registering…" : "Register"}
          </Button>
          {!canEdit ? <span className={styles.subtle}>Registering needs {rolesSentence("model.register")}.</span> : null}
        </div>
      </form>
    </Card>
  );
}
