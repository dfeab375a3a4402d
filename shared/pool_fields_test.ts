import assert from "node:assert/strict";
import { getTableColumns } from "drizzle-orm";
import type { z } from "zod";
import { pools } from "./db/schema.ts";
import {
  POOL_FIELD_KEYS,
  POOL_FIELDS,
  PoolSettings,
  poolSettingsOf,
  poolSettingsOfYaml,
  PoolYaml,
} from "./pool_fields.ts";
import { BackupDocument, PoolInput } from "./schema/config_api.ts";
import { issueMessage, issuesOf } from "./schema/issues.ts";

const YAML_POOL = {
  name: "large",
  spot: true,
  default: true,
  ami: "ami-0123456789abcdef0",
  instance_types: ["m7i.large"],
  subnets: ["subnet-1"],
  root_volume_gb: 100,
  root_volume_type: "io2",
  root_volume_iops: 10_000,
};

const API_POOL = {
  name: "large",
  isSpot: true,
  isDefault: true,
  ami: "ami-0123456789abcdef0",
  instanceTypes: ["m7i.large"],
  subnets: ["subnet-1"],
  rootVolumeGb: 100,
  rootVolumeType: "io2",
  rootVolumeIops: 10_000,
};

function pathsOf(schema: z.ZodType, input: unknown) {
  const result = schema.safeParse(input, { error: issueMessage });
  assert.equal(result.success, false);
  return result.success ? [] : issuesOf(result.error);
}

Deno.test("every pool field has a column under its API key, with the same default", () => {
  const columns = getTableColumns(pools);
  for (const key of POOL_FIELD_KEYS) {
    const column = columns[key as keyof typeof columns];
    assert.ok(column, `pools has no column for ${key}`);
    const field = POOL_FIELDS[key];
    if (field.default === undefined) {
      assert.equal(column.hasDefault, false, `${key} is required, its column has a default`);
      assert.equal(column.notNull, true, key);
    } else if (field.default === null) {
      assert.equal(column.notNull, false, `${key} may be unset, its column must be nullable`);
    } else {
      assert.deepEqual(column.default, field.default, `${key}'s column default`);
      assert.equal(column.notNull, true, key);
    }
  }
});

Deno.test("a pool in YAML and the same pool in the API parse to the same settings", () => {
  const fromYaml = poolSettingsOfYaml(PoolYaml.parse(YAML_POOL));
  const fromApi = PoolSettings.parse(API_POOL);
  assert.deepEqual(fromYaml, fromApi);
  assert.deepEqual(fromApi, {
    name: "large",
    priority: 100,
    ami: "ami-0123456789abcdef0",
    runnerPath: null,
    instanceTypes: ["m7i.large"],
    subnets: ["subnet-1"],
    securityGroups: [],
    instanceProfile: null,
    spawn: "fleet",
    allocationStrategy: "price-capacity-optimized",
    maxRuntimeMinutes: null,
    minIdle: 0,
    maxIdle: null,
    idleSchedule: null,
    idleBudgetUsdPerDay: null,
    stoppedMin: 0,
    stoppedMax: null,
    stoppedSchedule: null,
    stoppedBudgetUsdPerDay: null,
    cap: 0,
    rootVolumeGb: 100,
    rootVolumeType: "io2",
    rootVolumeIops: 10_000,
    rootVolumeThroughput: null,
    extraLabels: [],
    tags: {},
    isSpot: true,
    isDefault: true,
    isEnabled: true,
  });
});

Deno.test("YAML, the API body and the backup take the same allocation strategies and label names", () => {
  const strategies = (schema: unknown) =>
    (schema as { unwrap(): { options: string[] } }).unwrap().options;
  assert.deepEqual(
    strategies(PoolYaml.shape.allocation_strategy),
    strategies(PoolSettings.shape.allocationStrategy),
  );
  assert.deepEqual(strategies(PoolSettings.shape.allocationStrategy), [
    "price-capacity-optimized",
    "lowest-price",
    "prioritized",
  ]);
  for (const name of ["  MyApp ", "--"]) {
    const yaml = PoolYaml.safeParse({ ...YAML_POOL, name });
    const api = PoolSettings.safeParse({ ...API_POOL, name });
    assert.equal(yaml.success, api.success, name);
    if (yaml.success && api.success) assert.equal(yaml.data.name, api.data.name);
  }
});

Deno.test("a root volume EC2 would refuse is named at its field in every spelling", () => {
  assert.deepEqual(pathsOf(PoolYaml, { ...YAML_POOL, root_volume_iops: null }), [
    { path: "root_volume_iops", message: "io2 volumes need provisioned IOPS" },
  ]);
  assert.deepEqual(pathsOf(PoolSettings, { ...API_POOL, rootVolumeType: "st1" }), [
    {
      path: "rootVolumeType",
      message: "st1 cannot be a root volume (EBS does not boot from HDD volumes)",
    },
    { path: "rootVolumeGb", message: "st1 volumes are 125–16384 GiB" },
    { path: "rootVolumeIops", message: "st1 volumes take no IOPS setting" },
  ]);
  const body = { ...API_POOL, projectId: "p1", rootVolumeType: "gp3", rootVolumeIops: null };
  assert.deepEqual(pathsOf(PoolInput, { ...body, rootVolumeThroughput: 900 }), [{
    path: "rootVolumeThroughput",
    message: "gp3 allows at most 0.25 MiB/s per IOPS (750 MiB/s at 3000 IOPS)",
  }]);
  assert.equal(PoolInput.safeParse({ ...body, rootVolumeThroughput: 750 }).success, true);
  assert.deepEqual(
    pathsOf(BackupDocument, {
      kind: "gantry-backup",
      version: 1,
      projects: [{ name: "my-app", pools: [{ ...API_POOL, rootVolumeGb: 2 }] }],
    }),
    [{
      path: "projects.0.pools.0.rootVolumeGb",
      message: "io2 volumes are 4–65536 GiB",
    }, {
      path: "projects.0.pools.0.rootVolumeIops",
      message: "io2 allows at most 1000 IOPS per GiB (2000 for 2 GiB)",
    }],
  );
});

Deno.test("warm fields: schedules and budgets parse in every spelling, a max under its min is named", () => {
  const schedule = { time_zone: "Europe/Berlin", windows: ["mon-fri 08:00-18:00"] };
  const yaml = poolSettingsOfYaml(PoolYaml.parse({
    ...YAML_POOL,
    min_idle: 2,
    max_idle: 3,
    idle_schedule: schedule,
    idle_budget_usd_per_day: 12.5,
    stopped_min: 1,
    stopped_max: 4,
    stopped_schedule: { ...schedule, off_hours_min: 1 },
    stopped_budget_usd_per_day: 0.2,
  }));
  assert.deepEqual(
    [
      yaml.stoppedMax,
      yaml.maxIdle,
      yaml.idleSchedule,
      yaml.idleBudgetUsdPerDay,
      yaml.stoppedSchedule,
      yaml.stoppedBudgetUsdPerDay,
    ],
    [4, 3, { ...schedule, off_hours_min: 0 }, 12.5, { ...schedule, off_hours_min: 1 }, 0.2],
  );
  assert.deepEqual(pathsOf(PoolYaml, { ...YAML_POOL, min_idle: 2, max_idle: 1 }), [
    { path: "max_idle", message: "max idle (1) is below min idle (2)" },
  ]);
  // A warm field that does not parse is its one issue: no cross-field check runs on it.
  assert.deepEqual(pathsOf(PoolYaml, { ...YAML_POOL, min_idle: 2, max_idle: 1.5 }), [
    { path: "max_idle", message: "expected a whole number" },
  ]);
  assert.deepEqual(
    pathsOf(PoolSettings, {
      ...API_POOL,
      stoppedSchedule: { ...schedule, off_hours_min: 1 },
      idleBudgetUsdPerDay: 0,
    }),
    [
      { path: "idleBudgetUsdPerDay", message: "expected more than 0; leave it blank for none" },
      { path: "stoppedSchedule", message: "off_hours_min (1) is above min stopped (0)" },
    ],
  );
  assert.deepEqual(
    pathsOf(PoolSettings, { ...API_POOL, minIdle: 1, idleSchedule: { ...schedule, windows: [] } }),
    [{ path: "idleSchedule.windows", message: "at least one window" }],
  );
});

Deno.test("a pre-installed runner path follows RunnerPath in both spellings", () => {
  // The rule itself, case by case: shared/schema/vocabulary_test.ts.
  const RULE = "expected an absolute directory such as /opt/actions-runner " +
    "(letters, digits and . _ + @ - only; no spaces or shell characters)";
  const input = " /opt/actions-runner/ ";
  assert.equal(
    PoolSettings.parse({ ...API_POOL, runnerPath: input }).runnerPath,
    "/opt/actions-runner",
  );
  assert.equal(
    poolSettingsOfYaml(PoolYaml.parse({ ...YAML_POOL, runner_path: input })).runnerPath,
    "/opt/actions-runner",
  );
  const refused: [string, string][] = [
    ["/opt/$(reboot)", RULE],
    ["/opt/../etc", "expected a path without . or .. segments"],
  ];
  for (const [input, message] of refused) {
    assert.deepEqual(pathsOf(PoolSettings, { ...API_POOL, runnerPath: input }), [
      { path: "runnerPath", message },
    ], input);
    assert.deepEqual(pathsOf(PoolYaml, { ...YAML_POOL, runner_path: input }), [
      { path: "runner_path", message },
    ], input);
  }
  assert.equal(PoolSettings.parse({ ...API_POOL, runnerPath: null }).runnerPath, null);
  assert.equal(poolSettingsOfYaml(PoolYaml.parse(YAML_POOL)).runnerPath, null);
});

Deno.test("a bad size is one issue, not a range issue and a type-limit issue", () => {
  assert.deepEqual(pathsOf(PoolSettings, { ...API_POOL, rootVolumeGb: 0 }).map((i) => i.path), [
    "rootVolumeGb",
  ]);
});

Deno.test("poolSettingsOf keeps exactly the settings of a stored row", () => {
  const settings = PoolSettings.parse(API_POOL);
  const row = { ...settings, id: "x", projectId: "p", launchTemplateId: "lt-1", createdAt: 1 };
  assert.deepEqual(poolSettingsOf(row), settings);
});

Deno.test("each field's limit is refused at its field with its message; the value at the limit is kept", () => {
  /** [settings changed from API_POOL, issues]. */
  const cases: [Record<string, unknown>, { path: string; message: string }[]][] = [
    [{ cap: -1 }, [{ path: "cap", message: "use 0 for no cap" }]],
    [{ minIdle: -1 }, [{ path: "minIdle", message: "expected a whole number" }]],
    [{ stoppedMin: -1 }, [{ path: "stoppedMin", message: "expected a whole number" }]],
    [{ stoppedMax: 1.5 }, [{ path: "stoppedMax", message: "expected a whole number" }]],
    [{ priority: 1.5 }, [{ path: "priority", message: "expected a whole number" }]],
    [{ maxRuntimeMinutes: 0 }, [{ path: "maxRuntimeMinutes", message: "expected a whole number" }]],
    [{ instanceTypes: [] }, [{ path: "instanceTypes", message: "at least one instance type" }]],
    [{ instanceTypes: [" "] }, [{ path: "instanceTypes.0", message: "empty instance type" }]],
    [{ subnets: [] }, [{ path: "subnets", message: "at least one subnet" }]],
    [{ subnets: [""] }, [{ path: "subnets.0", message: "empty subnet" }]],
    [{ ami: "xami-1" }, [{ path: "ami", message: 'expected an AMI id ("ami-...")' }]],
    [{ ami: "ami-1!" }, [{ path: "ami", message: 'expected an AMI id ("ami-...")' }]],
    [{ securityGroups: [" "] }, [{ path: "securityGroups.0", message: "empty security group" }]],
    [{ instanceProfile: " " }, [{
      path: "instanceProfile",
      message: "expected string to have >=1 characters",
    }]],
  ];
  for (const [patch, issues] of cases) {
    assert.deepEqual(
      pathsOf(PoolSettings, { ...API_POOL, ...patch }),
      issues,
      JSON.stringify(patch),
    );
  }
  const atLimits = PoolSettings.parse({
    ...API_POOL,
    cap: 0,
    minIdle: 0,
    maxRuntimeMinutes: 1,
    ami: " ami-1 ",
    instanceTypes: [" m7i.large "],
    securityGroups: [" sg-1 "],
    instanceProfile: " runner ",
  });
  assert.deepEqual(
    [
      atLimits.cap,
      atLimits.minIdle,
      atLimits.maxRuntimeMinutes,
      atLimits.ami,
      atLimits.instanceTypes,
      atLimits.securityGroups,
      atLimits.instanceProfile,
    ],
    [0, 0, 1, "ami-1", ["m7i.large"], ["sg-1"], "runner"],
  );
});

Deno.test("the console form shows each field with its control, label and hint, in this order", () => {
  assert.deepEqual(POOL_FIELD_KEYS.map((key) => [key, POOL_FIELDS[key].form]), [
    ["name", { kind: "text", label: "Name", hint: "becomes a runner label" }],
    ["priority", { kind: "number", label: "Priority", hint: "lower wins" }],
    ["ami", { kind: "text", label: "AMI", placeholder: "ami-…" }],
    ["runnerPath", {
      kind: "text",
      label: "Pre-installed runner",
      hint: "path in the AMI; blank = download",
      placeholder: "/opt/actions-runner",
    }],
    ["instanceTypes", { kind: "lines", label: "Instance types", hint: "in order of preference" }],
    ["subnets", { kind: "lines", label: "Subnets" }],
    ["securityGroups", { kind: "lines", label: "Security groups" }],
    ["instanceProfile", { kind: "text", label: "Instance profile", hint: "optional" }],
    ["spawn", { kind: "select", label: "Spawn method", options: ["fleet", "run_instances"] }],
    ["allocationStrategy", {
      kind: "select",
      label: "Allocation strategy",
      options: ["price-capacity-optimized", "lowest-price", "prioritized"],
    }],
    ["maxRuntimeMinutes", {
      kind: "number",
      label: "Max runtime (minutes)",
      hint: "blank = core default",
      min: 1,
    }],
    ["minIdle", { kind: "number", label: "Min idle", min: 0 }],
    ["maxIdle", { kind: "number", label: "Max idle", hint: "blank = min idle", min: 0 }],
    ["idleSchedule", { kind: "schedule", label: "Idle schedule", hint: "blank = always" }],
    ["idleBudgetUsdPerDay", {
      kind: "number",
      label: "Idle budget ($/day)",
      hint: "blank = no cap",
      min: 0,
      step: 0.01,
    }],
    ["stoppedMin", { kind: "number", label: "Min stopped", min: 0 }],
    ["stoppedMax", { kind: "number", label: "Max stopped", hint: "blank = min stopped", min: 0 }],
    ["stoppedSchedule", { kind: "schedule", label: "Stopped schedule", hint: "blank = always" }],
    ["stoppedBudgetUsdPerDay", {
      kind: "number",
      label: "Stopped budget ($/day)",
      hint: "blank = no cap",
      min: 0,
      step: 0.01,
    }],
    ["cap", { kind: "number", label: "Cap", hint: "0 = no cap", min: 0 }],
    ["rootVolumeGb", { kind: "number", label: "Root volume (GB)", min: 1 }],
    ["rootVolumeType", {
      kind: "select",
      label: "Root volume type",
      options: ["gp3", "gp2", "io1", "io2", "st1", "sc1", "standard"],
    }],
    ["rootVolumeIops", {
      kind: "number",
      label: "Root volume IOPS",
      hint: "blank = type default",
      min: 1,
    }],
    ["rootVolumeThroughput", {
      kind: "number",
      label: "Root volume throughput (MiB/s)",
      hint: "gp3 only; blank = 125",
      min: 1,
    }],
    ["extraLabels", { kind: "list", label: "Extra labels" }],
    ["tags", { kind: "tags", label: "Tags", hint: "key=value per line; repo tags override" }],
    ["isSpot", { kind: "check", label: "Spot" }],
    ["isDefault", { kind: "check", label: "Default pool of the project" }],
    ["isEnabled", { kind: "check", label: "Enabled" }],
  ]);
  assert.deepEqual(POOL_FIELD_KEYS.filter((key) => !POOL_FIELDS[key].isEditable), []);
});
