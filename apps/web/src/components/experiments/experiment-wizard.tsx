"use client";
// Create an experiment, or edit a draft or a running one: surface, variants as overrides of the
// surface's published config (JSON per variant, with the resulting config and its diff against the
// published one), weights, coverage and ramp-up, layer, forced QA users, primary metric,
// guardrails, and a power estimate. Problems show next to their fields, whether the console found
// them or the engine refused them (400 issues name the same dotted paths). Editing a running
// experiment in a way that would bias it gets a 409 from the engine; the form then offers to save
// it as a new phase (results count afresh from then).
import { EXPERIMENT_METRICS, experimentMetric, surfaceConfigSchema, VARIANT_OVERRIDE_KEYS, type ExperimentView, type SurfaceConfig } from "@cascade/core";
import { Button, Card, ErrorState, Select, Skeleton } from "@cascade/ui";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { type ReactNode, useId, useMemo, useState } from "react";
import { DEFAULT_POWER_INPUTS, estimatePower, powerInputsFromBaseline, type PowerInputs, powerModelOf } from "@/lib/experiments/power.ts";
import {
  checkWizardForm,
  emptyWizardForm,
  evenWeights,
  type FieldIssue,
  issuesAt,
  parseOverrides,
  updateFromForm,
  variantConfig,
  weightSum,
  type WizardForm,
  wizardFormFromExperiment,
} from "@/lib/experiments/wizard.ts";
import { diffConfigs, formatJsonValue, type JsonValue } from "@/lib/rules/config-diff.ts";
import { useTRPC } from "@/trpc/react.tsx";
import styles from "./experiments.module.css";
import { FieldIssues } from "./field-issues.tsx";

type WizardProps = {
  surfaces: readonly { id: string; name: string }[];
  /** Editing this experiment (a draft or a running one); absent: creating. */
  experiment?: ExperimentView;
};

const METRIC_OPTIONS = EXPERIMENT_METRICS.map((metric) => ({ value: metric.id, label: metric.label }));

/** A labelled control with its hint and issues, wired for assistive technology; `control` renders the input itself. */
function LabelledField({
  label,
  issues,
  hint,
  control,
}: {
  label: string;
  issues: readonly FieldIssue[];
  hint?: ReactNode;
  control: (aria: { id: string; "aria-invalid": boolean; "aria-describedby": string | undefined }) => ReactNode;
}) {
  const id = useId();
  const described = [hint ? `${id}-hint` : null, issues.length > 0 ? `${id}-issues` : null].filter(Boolean).join(" ");
  return (
    <div className={styles.field}>
      <label className={styles.label} htmlFor={id}>
        {label}
      </label>
      {control({ id, "aria-invalid": issues.length > 0, "aria-describedby": described || undefined })}
      {hint ? (
        <span className={styles.hint} id={`${id}-hint`}>
          {hint}
        </span>
      ) : null}
      <FieldIssues issues={issues} id={`${id}-issues`} />
    </div>
  );
}

function TextField({
  label,
  value,
  onChange,
  issues,
  hint,
  type = "text",
  disabled,
  step,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  issues: readonly FieldIssue[];
  hint?: ReactNode;
  type?: "text" | "number";
  disabled?: boolean;
  step?: string;
}) {
  return (
    <LabelledField
      label={label}
      issues={issues}
      hint={hint}
      control={(aria) => (
        <input
          {...aria}
          className={styles.input}
          type={type}
          step={step}
          value={value}
          disabled={disabled}
          onChange={(event) => onChange(event.target.value)}
        />
      )}
    />
  );
}

function TextAreaField({
  label,
  value,
  onChange,
  issues,
  hint,
  code = false,
  placeholder,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  issues: readonly FieldIssue[];
  hint?: ReactNode;
  code?: boolean;
  placeholder?: string;
}) {
  return (
    <LabelledField
      label={label}
      issues={issues}
      hint={hint}
      control={(aria) => (
        <textarea
          {...aria}
          className={code ? `${styles.textarea} ${styles.code}` : styles.textarea}
          spellCheck={!code}
          placeholder={placeholder}
          value={value}
          onChange={(event) => onChange(event.target.value)}
        />
      )}
    />
  );
}

function ConfigDiff({ published, overridesText }: { published: SurfaceConfig; overridesText: string }) {
  const result = variantConfig(published, overridesText);
  if (!result.ok) return <p className={styles.muted}>The overrides do not apply yet, so there is no resulting config to compare.</p>;
  const changes = diffConfigs(published as unknown as JsonValue, result.config as unknown as JsonValue);
  const pins = parseOverrides(overridesText, 0).overrides;
  const pinned = [
    typeof pins.ruleSetVersion === "number"
      ? `rule set v${pins.ruleSetVersion} as its base (the diff below applies the overrides to the published config)`
      : null,
    typeof pins.models === "object" && pins.models !== null ? `model versions ${Object.values(pins.models as Record<string, unknown>).join(", ")}` : null,
  ].filter(Boolean);
  return (
    <div className={styles.field} data-testid="variant-diff">
      <span className={styles.label}>Config after overrides vs published</span>
      {pinned.length > 0 ? (
        <p className={styles.muted}>This variant also pins {pinned.join(" and ")}; the engine checks them when the experiment is saved.</p>
      ) : null}
      {changes.length === 0 ? (
        <p className={styles.muted}>Same as the published config.</p>
      ) : (
        <ul className={styles.diffList}>
          {changes.map((change, index) => (
            <li
              key={index}
              className={change.kind === "added" ? styles.diffAdded : change.kind === "removed" ? styles.diffRemoved : styles.diffChanged}
              data-testid="variant-diff-line"
            >
              {change.kind === "added"
                ? `+ ${change.path} = ${formatJsonValue(change.after)}`
                : change.kind === "removed"
                  ? `− ${change.path} (was ${formatJsonValue(change.before)})`
                  : change.kind === "changed"
                    ? `~ ${change.path}: ${formatJsonValue(change.before)} → ${formatJsonValue(change.after)}`
                    : `↕ ${change.path} moved from #${change.from + 1} to #${change.to + 1}`}
            </li>
          ))}
        </ul>
      )}
      <details>
        <summary className={styles.muted}>Whole config this variant serves</summary>
        <pre className={styles.pre}>{JSON.stringify(result.config, null, 2)}</pre>
      </details>
    </div>
  );
}

/** Shown scaled (percentages) and kept as typed, so "0." or "12.5" survive re-renders. */
const POWER_SCALES: Record<keyof PowerInputs, number> = { baseline: 1, standardDeviation: 1, relativeMde: 100, alpha: 1, power: 1, dailyUsers: 1 };
/** Inputs that mean the same whatever the primary metric (the others are the metric's own baseline). */
const METRIC_FREE: readonly (keyof PowerInputs)[] = ["relativeMde", "alpha", "power", "dailyUsers"];

function PowerCard({ form }: { form: WizardForm }) {
  const trpc = useTRPC();
  const baseline = useQuery(trpc.experiment.baseline.queryOptions({ surface: form.surface }));
  // What the user typed, per primary metric (a baseline typed for CTR means nothing for watch time).
  const [edited, setEdited] = useState<{ metric: string; text: Partial<Record<keyof PowerInputs, string>> }>({ metric: form.primaryMetric, text: {} });
  const typed = edited.metric === form.primaryMetric ? edited.text : Object.fromEntries(METRIC_FREE.map((key) => [key, edited.text[key]]));
  const model = powerModelOf(form.primaryMetric);
  const rateScale = model === "proportions" ? 100 : 1;
  const scaleOf = (key: keyof PowerInputs) => (key === "baseline" ? rateScale : POWER_SCALES[key]);
  const fromData = powerInputsFromBaseline(form.primaryMetric, baseline.data);
  const suggested: PowerInputs = { ...DEFAULT_POWER_INPUTS, ...fromData };
  const inputs = Object.fromEntries(
    (Object.keys(suggested) as (keyof PowerInputs)[]).map((key) => {
      const text = typed[key];
      const value = text === undefined || text.trim() === "" ? Number.NaN : Number(text) / scaleOf(key);
      return [key, Number.isFinite(value) ? value : suggested[key]];
    }),
  ) as PowerInputs;
  const field = (key: keyof PowerInputs) => ({
    value: typed[key] ?? String(+(suggested[key] * scaleOf(key)).toFixed(4)),
    onChange: (text: string) => setEdited({ metric: form.primaryMetric, text: { ...typed, [key]: text } }),
  });
  const metric = experimentMetric(form.primaryMetric);
  const estimate = estimatePower(
    form.primaryMetric,
    inputs,
    form.variants.map((variant) => Number(variant.weight)),
    Number(form.coverage),
  );
  const source = baseline.data?.to
    ? `Starting values from the last 14 days of ${form.surface} events up to ${baseline.data.to.toISOString().slice(0, 10)} (${baseline.data.users.toLocaleString("en-US")} users${
        fromData.baseline === undefined && model !== null ? "; this metric's baseline is not in the event log, so enter it" : ""
      }).`
    : baseline.data
      ? `No ${form.surface} events to start from: enter the baseline yourself.`
      : null;
  return (
    <Card
      title="6. Power estimate"
      description={`How many users each variant needs to detect the minimum effect on the primary metric (${metric?.label ?? form.primaryMetric}), two-sided.`}
      data-testid="power-estimate"
    >
      {source ? (
        <p className={styles.muted} data-testid="power-source">
          {source}
        </p>
      ) : null}
      <div className={styles.grid}>
        {model === "proportions" ? (
          <TextField label="Baseline rate (%)" type="number" {...field("baseline")} issues={[]} />
        ) : model === "means" ? (
          <>
            <TextField label="Baseline mean per user" type="number" {...field("baseline")} issues={[]} />
            <TextField label="Standard deviation per user" type="number" {...field("standardDeviation")} issues={[]} />
          </>
        ) : null}
        <TextField label="Minimum detectable effect (relative %)" type="number" {...field("relativeMde")} issues={[]} />
        <TextField label="Significance level α" type="number" step="0.01" {...field("alpha")} issues={[]} />
        <TextField label="Power" type="number" step="0.05" {...field("power")} issues={[]} />
        <TextField label="Users on the surface per day" type="number" {...field("dailyUsers")} issues={[]} />
      </div>
      {estimate.ok ? (
        <p data-testid="power-result" data-users-per-variant={estimate.usersPerVariant}>
          <strong>{estimate.usersPerVariant.toLocaleString("en-US")} users per variant</strong> ({estimate.totalUsers.toLocaleString("en-US")} in the experiment
          at these weights){estimate.days !== null ? `: about ${estimate.days} day${estimate.days === 1 ? "" : "s"} at this coverage.` : "."}
        </p>
      ) : (
        <p className={styles.muted} data-testid="power-result">
          {estimate.message}
        </p>
      )}
    </Card>
  );
}

export function ExperimentWizard({ surfaces, experiment }: WizardProps) {
  const trpc = useTRPC();
  const router = useRouter();
  const editing = experiment !== undefined;
  const [form, setForm] = useState<WizardForm>(() => (experiment ? wizardFormFromExperiment(experiment) : emptyWizardForm(surfaces[0]?.id ?? "home")));
  const [showLocal, setShowLocal] = useState(false);
  const [engineIssues, setEngineIssues] = useState<FieldIssue[]>([]);
  const [refusal, setRefusal] = useState<{ status: number | null; message: string } | null>(null);

  const editor = useQuery(trpc.ruleSet.editorState.queryOptions({ surfaceId: form.surface }));
  const published = useMemo<SurfaceConfig | null>(() => {
    if (!editor.data) return null;
    const parsed = surfaceConfigSchema.safeParse(editor.data.published?.configValid ? editor.data.published.config : editor.data.defaultConfig);
    return parsed.success ? parsed.data : null;
  }, [editor.data]);

  const local = checkWizardForm(form, published);
  const issues = [...(showLocal ? local.issues : []), ...engineIssues];
  const at = (path: string, nested = false) => issuesAt(issues, path, nested);

  function update(patch: Partial<WizardForm>) {
    setForm((current) => ({ ...current, ...patch }));
  }
  function updateVariant(index: number, patch: Partial<WizardForm["variants"][number]>) {
    setForm((current) => ({ ...current, variants: current.variants.map((variant, i) => (i === index ? { ...variant, ...patch } : variant)) }));
  }

  function done(answer: { ok: true; experiment: ExperimentView } | { ok: false; status: number | null; message: string; issues: FieldIssue[] }) {
    if (answer.ok) {
      router.push(`/experiments/${answer.experiment.id}`);
      router.refresh();
      return;
    }
    setEngineIssues(answer.issues);
    setRefusal({ status: answer.status, message: answer.message });
  }
  const create = useMutation(
    trpc.experiment.create.mutationOptions({ onSuccess: done, onError: (error) => setRefusal({ status: null, message: error.message }) }),
  );
  const save = useMutation(
    trpc.experiment.update.mutationOptions({ onSuccess: done, onError: (error) => setRefusal({ status: null, message: error.message }) }),
  );
  const busy = create.isPending || save.isPending;

  function submit(newPhase = false) {
    setShowLocal(true);
    setEngineIssues([]);
    setRefusal(null);
    if (experiment) {
      const patch = updateFromForm(form, experiment, newPhase);
      const problems = [...local.issues, ...patch.issues];
      if (problems.length > 0) return;
      if (patch.changed.length === 0) {
        setRefusal({ status: null, message: "Nothing changed." });
        return;
      }
      save.mutate({ id: experiment.id, update: patch.update });
    } else {
      if (local.issues.length > 0) return;
      create.mutate({ config: local.config });
    }
  }

  const sum = weightSum(form);
  const running = experiment?.status === "running";
  return (
    <form
      className={styles.stack}
      aria-label={editing ? "Edit experiment" : "New experiment"}
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <Card title="1. Basics">
        <div className={styles.section}>
          <div className={styles.grid}>
            <TextField
              label="Key"
              value={form.key}
              onChange={(key) => update({ key, ...(form.seed === "" || form.seed === form.key ? { seed: key } : {}) })}
              issues={at("key")}
              disabled={editing}
              hint={editing ? "The key never changes." : "Letters, digits, '_', '.', '-'; unique."}
            />
            <TextField label="Name" value={form.name} onChange={(name) => update({ name })} issues={at("name")} />
            <Select
              label="Surface"
              value={form.surface}
              disabled={editing}
              onChange={(event) => update({ surface: event.target.value })}
              options={surfaces.map((surface) => ({ value: surface.id, label: `${surface.name} (${surface.id})` }))}
            />
            <TextField
              label="Unit"
              value={form.unit}
              onChange={(unit) => update({ unit })}
              issues={at("unit")}
              hint={'"userId", or "context.<key>" to hash a request context value.'}
            />
            <TextField
              label="Seed (hash salt)"
              value={form.seed}
              onChange={(seed) => update({ seed })}
              issues={at("seed")}
              hint="Changing it reshuffles every unit."
            />
          </div>
          <FieldIssues issues={at("surface")} />
          <TextAreaField label="Hypothesis" value={form.hypothesis} onChange={(hypothesis) => update({ hypothesis })} issues={at("hypothesis")} />
        </div>
      </Card>

      <Card
        title="2. Variants"
        description={`Each variant overrides the surface's published config. Allowed keys: ${VARIANT_OVERRIDE_KEYS.join(", ")}.`}
        actions={
          <div className={styles.row}>
            <Button
              size="small"
              onClick={() =>
                setForm((current) => {
                  const variants = [
                    ...current.variants,
                    { key: `variant-${current.variants.length}`, name: "", weight: "0", isControl: false, overridesText: "{}" },
                  ];
                  const weights = evenWeights(variants.length);
                  return { ...current, variants: variants.map((variant, index) => ({ ...variant, weight: weights[index]! })) };
                })
              }
            >
              Add variant
            </Button>
            <Button
              size="small"
              variant="ghost"
              onClick={() => {
                const weights = evenWeights(form.variants.length);
                update({ variants: form.variants.map((variant, index) => ({ ...variant, weight: weights[index]! })) });
              }}
            >
              Even weights
            </Button>
          </div>
        }
      >
        <div className={styles.stack}>
          <p className={styles.muted} data-testid="weight-sum">
            Weights sum to {Math.round(sum * 10_000) / 10_000}
            {Math.abs(sum - 1) > 1e-6 ? " (they must sum to 1)" : ""}.
          </p>
          <FieldIssues issues={at("variants")} />
          {editor.isError ? <ErrorState message="The surface's published config could not be read, so variants cannot be compared with it." /> : null}
          {form.variants.map((variant, index) => (
            <div key={index} className={styles.variantBox} data-testid={`variant-${index}`}>
              <div className={styles.grid}>
                <TextField label="Variant key" value={variant.key} onChange={(key) => updateVariant(index, { key })} issues={at(`variants.${index}.key`)} />
                <TextField
                  label="Variant name"
                  value={variant.name}
                  onChange={(name) => updateVariant(index, { name })}
                  issues={at(`variants.${index}.name`)}
                />
                <TextField
                  label="Weight"
                  type="number"
                  step="0.01"
                  value={variant.weight}
                  onChange={(weight) => updateVariant(index, { weight })}
                  issues={at(`variants.${index}.weight`)}
                />
                <label className={styles.field}>
                  <span className={styles.label}>Control</span>
                  <input
                    type="radio"
                    name="control"
                    checked={variant.isControl}
                    aria-label={`${variant.key || `Variant ${index + 1}`} is the control`}
                    onChange={() => update({ variants: form.variants.map((other, i) => ({ ...other, isControl: i === index })) })}
                  />
                </label>
              </div>
              <TextAreaField
                label="Overrides (JSON)"
                code
                value={variant.overridesText}
                onChange={(overridesText) => updateVariant(index, { overridesText })}
                issues={[...at(`variants.${index}.overrides`, true), ...at(`variants.${index}.config`, true)]}
              />
              {published ? <ConfigDiff published={published} overridesText={variant.overridesText} /> : editor.isPending ? <Skeleton height={40} /> : null}
              {form.variants.length > 2 ? (
                <div>
                  <Button size="small" variant="ghost" onClick={() => update({ variants: form.variants.filter((_, i) => i !== index) })}>
                    Remove variant {variant.key}
                  </Button>
                </div>
              ) : null}
            </div>
          ))}
        </div>
      </Card>

      <Card
        title="3. Traffic"
        description="Coverage is the share of the surface's units in the experiment; a ramp-up starts lower for the first hours. Raising coverage never moves an assigned unit."
      >
        <div className={styles.section}>
          <div className={styles.grid}>
            <TextField
              label="Coverage (0–1)"
              type="number"
              step="0.01"
              value={form.coverage}
              onChange={(coverage) => update({ coverage })}
              issues={at("coverage")}
            />
          </div>
          <div className={styles.stack}>
            {form.rampUp.map((step, index) => (
              <div key={index} className={styles.row} data-testid={`ramp-step-${index}`}>
                <TextField
                  label={`Step ${index + 1}: until hour`}
                  type="number"
                  value={step.untilHours}
                  onChange={(untilHours) => update({ rampUp: form.rampUp.map((other, i) => (i === index ? { ...other, untilHours } : other)) })}
                  issues={at(`rampUp.${index}.untilHours`)}
                />
                <TextField
                  label={`Step ${index + 1}: coverage`}
                  type="number"
                  step="0.01"
                  value={step.coverage}
                  onChange={(coverage) => update({ rampUp: form.rampUp.map((other, i) => (i === index ? { ...other, coverage } : other)) })}
                  issues={at(`rampUp.${index}.coverage`)}
                />
                <Button size="small" variant="ghost" onClick={() => update({ rampUp: form.rampUp.filter((_, i) => i !== index) })}>
                  Remove step {index + 1}
                </Button>
              </div>
            ))}
            <FieldIssues issues={at("rampUp")} />
            <div>
              <Button
                size="small"
                onClick={() => {
                  const last = form.rampUp.at(-1);
                  update({ rampUp: [...form.rampUp, { untilHours: String((Number(last?.untilHours) || 0) + 24), coverage: last?.coverage ?? "0.1" }] });
                }}
              >
                Add ramp-up step
              </Button>
            </div>
          </div>
        </div>
      </Card>

      <Card
        title="4. Layer and QA"
        description="A layer slice makes experiments on the same layer mutually exclusive. Forced users always get the named variant (QA)."
      >
        <div className={styles.stack}>
          <label className={styles.row}>
            <input type="checkbox" checked={form.layerEnabled} onChange={(event) => update({ layerEnabled: event.target.checked })} />
            In a mutually exclusive layer
          </label>
          {form.layerEnabled ? (
            <div className={styles.grid}>
              <TextField label="Layer key" value={form.layerKey} onChange={(layerKey) => update({ layerKey })} issues={at("layer.key")} />
              <TextField
                label="Slice start (0–1)"
                type="number"
                step="0.01"
                value={form.layerStart}
                onChange={(layerStart) => update({ layerStart })}
                issues={at("layer.start")}
              />
              <TextField
                label="Slice end (0–1)"
                type="number"
                step="0.01"
                value={form.layerEnd}
                onChange={(layerEnd) => update({ layerEnd })}
                issues={at("layer.end")}
              />
            </div>
          ) : null}
          <FieldIssues issues={at("layer")} />
          <TextAreaField
            label="Forced QA users"
            code
            placeholder="user-00001 = treatment"
            value={form.forcedText}
            onChange={(forcedText) => update({ forcedText })}
            issues={at("forced", true)}
            hint={'One "unit id = variant key" per line.'}
          />
        </div>
      </Card>

      <Card
        title="5. Metrics and guardrails"
        description="The primary metric decides the experiment; a guardrail that regresses beyond its threshold stops the variant automatically."
      >
        <div className={styles.stack}>
          <div className={styles.grid}>
            <Select
              label="Primary metric"
              value={form.primaryMetric}
              onChange={(event) => update({ primaryMetric: event.target.value })}
              options={METRIC_OPTIONS}
            />
          </div>
          <FieldIssues issues={at("primaryMetric")} />
          {form.guardrails.map((guardrail, index) => {
            const set = (patch: Partial<typeof guardrail>) =>
              update({ guardrails: form.guardrails.map((other, i) => (i === index ? { ...other, ...patch } : other)) });
            return (
              <div key={index} className={styles.row} data-testid={`guardrail-${index}`}>
                <Select
                  label={`Guardrail ${index + 1} metric`}
                  value={guardrail.metric}
                  onChange={(event) =>
                    set({
                      metric: event.target.value,
                      direction: experimentMetric(event.target.value)?.higherIsBetter === false ? "lowerIsBetter" : "higherIsBetter",
                    })
                  }
                  options={METRIC_OPTIONS}
                />
                <Select
                  label="Better when"
                  value={guardrail.direction}
                  onChange={(event) => set({ direction: event.target.value as typeof guardrail.direction })}
                  options={[
                    { value: "higherIsBetter", label: "higher" },
                    { value: "lowerIsBetter", label: "lower" },
                  ]}
                />
                <TextField
                  label="Tolerated regression"
                  type="number"
                  step="0.01"
                  value={guardrail.threshold}
                  onChange={(threshold) => set({ threshold })}
                  issues={at(`guardrails.${index}.threshold`)}
                />
                <Select
                  label="Threshold kind"
                  value={guardrail.thresholdKind}
                  onChange={(event) => set({ thresholdKind: event.target.value as typeof guardrail.thresholdKind })}
                  options={[
                    { value: "relative", label: "relative (0.05 = 5 %)" },
                    { value: "absolute", label: "absolute (metric units)" },
                  ]}
                />
                <Button size="small" variant="ghost" onClick={() => update({ guardrails: form.guardrails.filter((_, i) => i !== index) })}>
                  Remove guardrail {index + 1}
                </Button>
                <FieldIssues issues={[...at(`guardrails.${index}.metric`), ...at(`guardrails.${index}`)]} />
              </div>
            );
          })}
          <FieldIssues issues={at("guardrails")} />
          <div>
            <Button
              size="small"
              onClick={() =>
                update({ guardrails: [...form.guardrails, { metric: "latency_p99", direction: "lowerIsBetter", threshold: "0.1", thresholdKind: "relative" }] })
              }
            >
              Add guardrail
            </Button>
          </div>
        </div>
      </Card>

      <PowerCard form={form} />

      {refusal ? (
        <div className={refusal.status === 409 ? styles.banner : styles.dangerBanner} role="alert" data-testid="wizard-refusal">
          <p>
            {refusal.status === 409
              ? "The engine refused this change to the running experiment: "
              : refusal.status === 400
                ? "The engine refused the experiment: "
                : ""}
            {refusal.message}
          </p>
          {engineIssues.length > 0 ? <p className={styles.muted}>Each problem is shown next to its field.</p> : null}
          {refusal.status === 409 && running ? (
            <p>
              Saving it as a new phase keeps the change: exposures and results start afresh from now (phase {experiment.phase + 1}).{" "}
              <Button size="small" variant="primary" disabled={busy} onClick={() => submit(true)}>
                Save as new phase
              </Button>
            </p>
          ) : null}
        </div>
      ) : null}
      {showLocal && local.issues.length > 0 ? (
        <p className={styles.issues} role="alert" data-testid="local-problems">
          {local.issues.length} problem{local.issues.length === 1 ? "" : "s"} to fix before this can be saved (shown next to the fields).
        </p>
      ) : null}
      <div className={styles.row}>
        <Button type="submit" variant="primary" disabled={busy} aria-busy={busy}>
          {busy ? "Saving…" : editing ? "Save changes" : "Create draft"}
        </Button>
        {running ? <span className={styles.muted}>Changes that would bias the running experiment are refused unless saved as a new phase.</span> : null}
      </div>
    </form>
  );
}
