/**
 * Every pool field, declared once: its value's schema, default, YAML key,
 * description, whether an operator may edit it, and how the console's form
 * edits it. The YAML config (`shared/schema/config.ts`), the API body and the
 * backup (`shared/schema/config_api.ts`), the edge's columns
 * (`edge/config/pools.ts`), the seed (`core/db/seed.ts`), the console form
 * (`ui/pages/PoolsPage.tsx`) and the configuration reference all derive from
 * this table. The API spelling is also the drizzle property of the column
 * (`shared/db/schema.ts`), which `pool_fields_test.ts` keeps in step.
 *
 * A new field: one entry here, one column in `shared/db/schema.ts` (then
 * `deno task db:generate`), and the code that uses it.
 *
 * @module
 */

import { z } from "zod";
import { EBS_VOLUME_TYPES, rootVolumeProblems } from "./root_volume.ts";
import { WarmScheduleSchema } from "./launch/warm_schedule.ts";
import { warmFieldProblems } from "./launch/warm_bounds.ts";
import {
  ALLOCATION_STRATEGIES,
  LabelName,
  OperatorTags,
  RunnerPath,
  SPAWN_METHODS,
} from "./schema/vocabulary.ts";

/** How the console's pool form edits a field. */
export type FormControl =
  | { kind: "text"; label: string; hint?: string; placeholder?: string }
  | { kind: "number"; label: string; hint?: string; min?: number; step?: number }
  /** A warm schedule as `key: value` lines (time_zone, one `window:` per line, off_hours_min). */
  | { kind: "schedule"; label: string; hint?: string }
  /** A textarea, one item per line (commas also split). */
  | { kind: "lines"; label: string; hint?: string }
  /** A one-line input, items split by commas. */
  | { kind: "list"; label: string; hint?: string }
  | { kind: "select"; label: string; hint?: string; options: readonly string[] }
  | { kind: "check"; label: string }
  /** `key=value` per line. */
  | { kind: "tags"; label: string; hint?: string };

/** One pool field. */
export interface PoolField<
  Api extends z.ZodType = z.ZodType,
  Yaml extends z.ZodType = z.ZodType,
  Key extends string = string,
> {
  /** The value as the API, the backup and the console take it, default applied. */
  api: Api;
  /** The value as the YAML config takes it, under `yaml`. */
  yamlSchema: Yaml;
  /** Its key in the YAML config (the API key is its key in {@link POOL_FIELDS}). */
  yaml: Key;
  /** Absent (undefined): required. */
  default: unknown;
  /** What it means, for the configuration reference. */
  description: string;
  /** May an operator set it (YAML, console, API, backup)? False: the core writes it. */
  isEditable: boolean;
  form: FormControl;
}

interface Meta {
  description: string;
  form: FormControl;
}

function required<const Key extends string, T extends z.ZodType>(
  yaml: Key,
  schema: T,
  meta: Meta,
): PoolField<T, T, Key> {
  return { api: schema, yamlSchema: schema, yaml, default: undefined, isEditable: true, ...meta };
}

function defaulted<const Key extends string, T extends z.ZodType>(
  yaml: Key,
  schema: T,
  value: z.output<T>,
  meta: Meta,
): PoolField<z.ZodDefault<T>, z.ZodDefault<T>, Key> {
  // A fresh copy each time, so no parse shares a default list or map.
  const api = schema.default(() => structuredClone(value) as never) as z.ZodDefault<T>;
  return { api, yamlSchema: api, yaml, default: value, isEditable: true, ...meta };
}

/** Unset means null ("use the core's or AWS's default"); YAML may simply leave it out. */
function nullable<const Key extends string, T extends z.ZodType>(
  yaml: Key,
  schema: T,
  meta: Meta,
): PoolField<z.ZodDefault<z.ZodNullable<T>>, z.ZodOptional<z.ZodNullable<T>>, Key> {
  return {
    api: schema.nullable().default(null),
    yamlSchema: schema.nullable().optional(),
    yaml,
    default: null,
    isEditable: true,
    ...meta,
  };
}

const WholeNumber = z.int("expected a whole number");
const Cap = WholeNumber.min(0, "use 0 for no cap");
/** An idle budget: dollars a day that a kind's waiting instances may cost. */
const BudgetUsdPerDay = z.number().positive("expected more than 0; leave it blank for none");
const budgetControl = (label: string): FormControl => ({
  kind: "number",
  label,
  hint: "blank = no cap",
  min: 0,
  step: 0.01,
});
const NonEmptyIds = (what: string) =>
  z.array(z.string().trim().min(1, `empty ${what}`)).min(1, `at least one ${what}`);

/** The operator's pool settings, in the console form's order. */
export const POOL_FIELDS = {
  name: required("name", LabelName, {
    description: "The pool's name; a runner label, unique per project once sanitised.",
    form: { kind: "text", label: "Name", hint: "becomes a runner label" },
  }),
  priority: defaulted("priority", WholeNumber, 100, {
    description: "Lower numbers win when several pools match a job.",
    form: { kind: "number", label: "Priority", hint: "lower wins" },
  }),
  ami: required(
    "ami",
    z.string().trim().regex(/^ami-[0-9A-Za-z]+$/, 'expected an AMI id ("ami-...")'),
    {
      description: "The AMI runners boot; its root device name is read from EC2.",
      form: { kind: "text", label: "AMI", placeholder: "ami-…" },
    },
  ),
  runnerPath: nullable("runner_path", RunnerPath, {
    description: "Directory of an actions runner pre-installed in the AMI (holding `run.sh`); " +
      "set: nothing is downloaded at boot. Unset: the core's `runner_release`, verified.",
    form: {
      kind: "text",
      label: "Pre-installed runner",
      hint: "path in the AMI; blank = download",
      placeholder: "/opt/actions-runner",
    },
  }),
  instanceTypes: required("instance_types", NonEmptyIds("instance type"), {
    description: "Instance types, in order of preference (the `prioritized` strategy honours it).",
    form: { kind: "lines", label: "Instance types", hint: "in order of preference" },
  }),
  subnets: required("subnets", NonEmptyIds("subnet"), {
    description: "Subnets to launch in; a fleet spreads over all of them.",
    form: { kind: "lines", label: "Subnets" },
  }),
  securityGroups: defaulted(
    "security_groups",
    z.array(z.string().trim().min(1, "empty security group")),
    [],
    {
      description: "Security group ids of the runners.",
      form: { kind: "lines", label: "Security groups" },
    },
  ),
  instanceProfile: nullable("instance_profile", z.string().trim().min(1), {
    description: "The runners' IAM instance profile, by name or ARN.",
    form: { kind: "text", label: "Instance profile", hint: "optional" },
  }),
  spawn: defaulted("spawn", z.enum(SPAWN_METHODS), "fleet", {
    description: "`fleet`: one CreateFleet call over types × subnets; `run_instances`: per subnet.",
    form: { kind: "select", label: "Spawn method", options: SPAWN_METHODS },
  }),
  allocationStrategy: defaulted(
    "allocation_strategy",
    z.enum(ALLOCATION_STRATEGIES),
    "price-capacity-optimized",
    {
      description: "EC2 Fleet's allocation strategy.",
      form: { kind: "select", label: "Allocation strategy", options: ALLOCATION_STRATEGIES },
    },
  ),
  maxRuntimeMinutes: nullable("max_runtime_minutes", WholeNumber.positive(), {
    description:
      "Reap a runner after this long; unset: the core's `scheduler.max_runtime_minutes`.",
    form: { kind: "number", label: "Max runtime (minutes)", hint: "blank = core default", min: 1 },
  }),
  minIdle: defaulted("min_idle", WholeNumber.min(0), 0, {
    description: "Warm runners kept idle, waiting for jobs.",
    form: { kind: "number", label: "Min idle", min: 0 },
  }),
  maxIdle: nullable("max_idle", WholeNumber.min(0), {
    description: "Most warm runners kept idle per bound repo; unset: `min_idle`. Those over it " +
      "(off hours, a budget) are removed from GitHub and terminated.",
    form: { kind: "number", label: "Max idle", hint: "blank = min idle", min: 0 },
  }),
  idleSchedule: nullable("idle_schedule", WarmScheduleSchema, {
    description: "When `min_idle` applies: `time_zone` (IANA), `windows` such as " +
      "`mon-fri 08:00-18:00` (`22:00-06:00` runs overnight) and `off_hours_min` (default 0, at " +
      "most `min_idle`) kept outside every window; unset: always.",
    form: { kind: "schedule", label: "Idle schedule", hint: "blank = always" },
  }),
  idleBudgetUsdPerDay: nullable("idle_budget_usd_per_day", BudgetUsdPerDay, {
    description: "What the pool's idle warm runners may cost a day, at their instance price " +
      "around the clock: at most floor(budget ÷ (price × 24)) are kept; unset: no cap.",
    form: budgetControl("Idle budget ($/day)"),
  }),
  stoppedMin: defaulted("stopped_min", WholeNumber.min(0), 0, {
    description: "Stopped warm instances kept: booted once with the runner installed, then " +
      "stopped; a job starts one (StartInstances) instead of launching, and it is replaced after.",
    form: { kind: "number", label: "Min stopped", min: 0 },
  }),
  stoppedMax: nullable("stopped_max", WholeNumber.min(0), {
    description: "Most stopped warm instances kept; unset: `stopped_min`. Those over it are " +
      "terminated.",
    form: { kind: "number", label: "Max stopped", hint: "blank = min stopped", min: 0 },
  }),
  stoppedSchedule: nullable("stopped_schedule", WarmScheduleSchema, {
    description: "When `stopped_min` applies, as `idle_schedule` (`off_hours_min` at most " +
      "`stopped_min`); unset: always.",
    form: { kind: "schedule", label: "Stopped schedule", hint: "blank = always" },
  }),
  stoppedBudgetUsdPerDay: nullable("stopped_budget_usd_per_day", BudgetUsdPerDay, {
    description: "What the pool's stopped instances may cost a day, at their root volume's " +
      "storage price: at most floor(budget ÷ volume $/day) are kept; unset: no cap.",
    form: budgetControl("Stopped budget ($/day)"),
  }),
  cap: defaulted("cap", Cap, 0, {
    description: "Concurrent runners of this pool; 0 = no cap.",
    form: { kind: "number", label: "Cap", hint: "0 = no cap", min: 0 },
  }),
  rootVolumeGb: defaulted("root_volume_gb", WholeNumber.min(1).max(65_536), 30, {
    description: "Root volume size in GiB, within the volume type's range.",
    form: { kind: "number", label: "Root volume (GB)", min: 1 },
  }),
  rootVolumeType: defaulted("root_volume_type", z.enum(EBS_VOLUME_TYPES), "gp3", {
    description: "Root volume EBS type; st1 and sc1 cannot boot, so they are refused.",
    form: { kind: "select", label: "Root volume type", options: EBS_VOLUME_TYPES },
  }),
  rootVolumeIops: nullable("root_volume_iops", WholeNumber.positive(), {
    description: "Provisioned IOPS: gp3 3,000–80,000 (≤ 500 per GiB), io1 100–64,000 " +
      "(≤ 50 per GiB), io2 100–256,000 (≤ 1,000 per GiB; io1 and io2 need it); unset: the type's default.",
    form: { kind: "number", label: "Root volume IOPS", hint: "blank = type default", min: 1 },
  }),
  rootVolumeThroughput: nullable("root_volume_throughput", WholeNumber.positive(), {
    description: "Provisioned throughput in MiB/s, gp3 only: 125–2,000 (≤ 0.25 per IOPS); " +
      "unset: 125.",
    form: {
      kind: "number",
      label: "Root volume throughput (MiB/s)",
      hint: "gp3 only; blank = 125",
      min: 1,
    },
  }),
  extraLabels: defaulted("extra_labels", z.array(LabelName), [], {
    description: "More runner labels a job may ask for.",
    form: { kind: "list", label: "Extra labels" },
  }),
  tags: defaulted("tags", OperatorTags, {}, {
    description: "EC2 tags of the runners and volumes (repo tags override, project tags underlie).",
    form: { kind: "tags", label: "Tags", hint: "key=value per line; repo tags override" },
  }),
  isSpot: defaulted("spot", z.boolean(), false, {
    description: "Launch spot instances (a re-run after an interruption goes on-demand).",
    form: { kind: "check", label: "Spot" },
  }),
  isDefault: defaulted("default", z.boolean(), false, {
    description: "The project's pool for jobs that name no pool; one per project.",
    form: { kind: "check", label: "Default pool of the project" },
  }),
  isEnabled: defaulted("enabled", z.boolean(), true, {
    description: "A disabled pool takes no jobs.",
    form: { kind: "check", label: "Enabled" },
  }),
};

/** The API spelling of each pool setting. */
export type PoolFieldKey = keyof typeof POOL_FIELDS;
/** Every pool setting, in the form's order. */
export const POOL_FIELD_KEYS = Object.keys(POOL_FIELDS) as PoolFieldKey[];

type Fields = typeof POOL_FIELDS;
type ApiShape = { [K in keyof Fields]: Fields[K]["api"] };
type YamlShape = { [K in keyof Fields as Fields[K]["yaml"]]: Fields[K]["yamlSchema"] };

const apiShape = Object.fromEntries(
  POOL_FIELD_KEYS.map((key) => [key, POOL_FIELDS[key].api]),
) as unknown as ApiShape;

const yamlShape = Object.fromEntries(
  POOL_FIELD_KEYS.map((key) => [POOL_FIELDS[key].yaml, POOL_FIELDS[key].yamlSchema]),
) as unknown as YamlShape;

const ROOT_VOLUME_FIELDS = {
  sizeGb: "rootVolumeGb",
  type: "rootVolumeType",
  iops: "rootVolumeIops",
  throughput: "rootVolumeThroughput",
} as const;

const WARM_FIELDS = [
  "minIdle",
  "maxIdle",
  "idleSchedule",
  "stoppedMin",
  "stoppedSchedule",
] as const satisfies readonly PoolFieldKey[];

/**
 * The checks that span fields (the root volume against its type's limits, a
 * warm kind's max and off hours against its min), each issue at the field it
 * names, spelled by `keyOf`. Each waits until its fields parse, so a bad size
 * is one issue, not two.
 */
function checkAcrossFields(keyOf: (key: PoolFieldKey) => string) {
  const keys = Object.values(ROOT_VOLUME_FIELDS).map(keyOf);
  const warmKeys = WARM_FIELDS.map(keyOf);
  return (payload: z.core.ParsePayload<Record<string, unknown>>) => {
    const pool = payload.value;
    const hasIssueIn = (fields: string[]) =>
      payload.issues.some((issue) => fields.includes(String(issue.path?.[0])));
    if (!hasIssueIn(warmKeys)) {
      const warm = Object.fromEntries(
        WARM_FIELDS.map((key) => [key, pool[keyOf(key)] ?? POOL_FIELDS[key].default]),
      ) as Parameters<typeof warmFieldProblems>[0];
      for (const problem of warmFieldProblems(warm)) {
        payload.issues.push({
          code: "custom",
          path: [keyOf(problem.field)],
          message: problem.message,
          input: pool,
        });
      }
    }
    if (hasIssueIn(keys)) return;
    const problems = rootVolumeProblems({
      sizeGb: pool[keyOf("rootVolumeGb")] as number,
      type: pool[keyOf("rootVolumeType")] as (typeof EBS_VOLUME_TYPES)[number],
      iops: (pool[keyOf("rootVolumeIops")] ?? null) as number | null,
      throughput: (pool[keyOf("rootVolumeThroughput")] ?? null) as number | null,
    });
    for (const problem of problems) {
      payload.issues.push({
        code: "custom",
        path: [keyOf(ROOT_VOLUME_FIELDS[problem.field])],
        message: problem.message,
        input: pool,
      });
    }
  };
}

/** The shape of a pool's settings in the API, for schemas that add keys (a pool body, a view). */
export const POOL_SETTINGS_SHAPE: ApiShape = apiShape;

/** Checks spanning fields of an API-spelled pool, for a schema built on {@link POOL_SETTINGS_SHAPE}. */
export const checkPoolSettings = checkAcrossFields((key) => key);

/** A pool's settings without its project: what the API, the backup and the form take. */
export const PoolSettings = z.strictObject(apiShape).check(checkPoolSettings);
/** A pool's settings. */
export type PoolSettings = z.infer<typeof PoolSettings>;

/** A pool in the YAML config (snake_case keys). */
export const PoolYaml = z.strictObject(yamlShape).check(
  checkAcrossFields((key) => POOL_FIELDS[key].yaml),
);
/** A pool as the YAML config declares it. */
export type PoolYaml = z.infer<typeof PoolYaml>;

/** The settings of a pool declared in YAML, in API spelling (unset optional keys as null). */
export function poolSettingsOfYaml(pool: PoolYaml): PoolSettings {
  const yaml = pool as Record<string, unknown>;
  return Object.fromEntries(
    POOL_FIELD_KEYS.map((key) => [key, yaml[POOL_FIELDS[key].yaml] ?? POOL_FIELDS[key].default]),
  ) as PoolSettings;
}

/** Just the settings of anything that carries them under their API names (a stored row, a body). */
export function poolSettingsOf(source: { [K in PoolFieldKey]: PoolSettings[K] }): PoolSettings {
  return Object.fromEntries(POOL_FIELD_KEYS.map((key) => [key, source[key]])) as PoolSettings;
}

/** Fields the core writes and the console only shows. */
export const POOL_STATUS_FIELDS = {
  launchTemplateId: {
    description: "The EC2 launch template the core materialised for the pool.",
    isEditable: false,
  },
  launchTemplateVersion: {
    description: "Its version that matches the current settings.",
    isEditable: false,
  },
} as const;
