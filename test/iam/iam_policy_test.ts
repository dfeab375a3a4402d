/**
 * The IAM contract: every AWS call the core makes, as the EC2 emulator
 * recorded it from the core's own EC2 provider (unmodified SDK, real wire
 * format), is mapped to what IAM evaluates (authorizations.ts) and run through
 * a real policy evaluator against docs/iam-policy.json. Every call must be
 * allowed; the refusals the policy exists for must be refused; every
 * condition key must exist for its action; every statement must be needed.
 */
import assert from "node:assert/strict";
import { createLogger } from "../../core/log.ts";
import type { Ec2PoolSettings } from "../../core/providers/ec2/pool_settings.ts";
import type { PoolSpec } from "../../core/providers/provider.ts";
import { gantryTags } from "../../shared/tags.ts";
import type { Ec2Emulator, RecordedCall } from "../support/ec2/emulator.ts";
import { startEc2Emulator } from "../support/ec2/emulator.ts";
import type { Params } from "../support/ec2/protocol.ts";
import { ec2ProviderFor } from "../support/ec2_provider.ts";
import { type Authorization, AUTHORIZATIONS, type CallWorld } from "./authorizations.ts";
import { evaluate, type PolicyDocument, unknownConditionKeys, type Verdict } from "./evaluate.ts";

const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const CORE_ROLE = `arn:aws:iam::${ACCOUNT}:role/gantry-core`;
const POLICY: PolicyDocument = JSON.parse(
  await Deno.readTextFile(new URL("../../docs/iam-policy.json", import.meta.url)),
);

/**
 * Calls other parts of the core send that the provider run below does not
 * reach (the hourly version sweep, root device names, free addresses, Pricing
 * locations), in the emulator's recorded form. A recorded call of the same
 * action replaces its example.
 */
const EXAMPLES: { action: string; params: Params }[] = [
  { action: "DescribeImages", params: { "ImageId.1": "ami-0abcdef1234567890" } },
  { action: "DescribeSubnets", params: { "SubnetId.1": "subnet-aaa111" } },
  {
    action: "DescribeLaunchTemplateVersions",
    params: { LaunchTemplateId: "lt-0example", "Filter.1.Name": "is-default-version" },
  },
  {
    action: "DeleteLaunchTemplateVersions",
    params: { LaunchTemplateId: "lt-0example", "LaunchTemplateVersion.1": "7" },
  },
  { action: "GetAttributeValues", params: { ServiceCode: "AmazonEC2", AttributeName: "location" } },
];

function poolSpec(
  change: Partial<Omit<PoolSpec, "ec2">> & { name: string; ec2?: Partial<Ec2PoolSettings> },
): PoolSpec {
  const { ec2, ...rest } = change;
  return {
    id: `pool-${change.name}`,
    project: "my-app",
    runnerPath: null,
    isSpot: false,
    ec2: {
      ami: "ami-0abcdef1234567890",
      instanceTypes: ["m5.large", "m5.xlarge"],
      subnets: ["subnet-aaa111", "subnet-bbb222"],
      securityGroups: ["sg-0123", "sg-0456"],
      instanceProfile: "gantry-runner",
      rootVolume: { sizeGb: 30, type: "gp3", iops: null, throughput: null },
      allocationStrategy: "lowest-price",
      spawn: "fleet",
      ...ec2,
    },
    tags: { team: "web", ...gantryTags({ project: "my-app", pool: change.name }) },
    template: null,
    ...rest,
  };
}

/** What the mapping reads from the emulator: templates, instance tags, profile → role. */
function worldOf(emulator: Ec2Emulator): CallWorld {
  return {
    account: ACCOUNT,
    region: REGION,
    template(id) {
      const template = emulator.launchTemplates().find((t) => t.launchTemplateId === id);
      if (!template) return undefined;
      const version = template.versions.find((v) =>
        v.versionNumber === template.defaultVersionNumber
      );
      return { tags: template.tags, data: version?.data ?? {} };
    },
    instanceTags(id) {
      return emulator.instances().find((i) => i.instanceId === id)?.tags ?? {};
    },
    // The stack names each runner role after its instance profile (deploy/aws).
    roleOfProfile(profile) {
      return `arn:aws:iam::${ACCOUNT}:role/${profile.split("/").pop()}`;
    },
  };
}

/**
 * Drives the core's EC2 provider through everything it does: templates made
 * and changed, fleet and RunInstances launches (on-demand and spot), the
 * reaper's reads, price quotes, termination. Returns the emulator's call log.
 */
async function recordCoreCalls(
  pools: PoolSpec[],
  body?: (emulator: Ec2Emulator) => Promise<void>,
): Promise<{ calls: RecordedCall[]; world: CallWorld }> {
  const emulator = await startEc2Emulator();
  const log = createLogger({ level: "error", format: "json" }, () => {});
  const { provider, destroy } = ec2ProviderFor(emulator, log);
  try {
    const launched: string[] = [];
    const templates: PoolSpec["template"][] = [];
    for (const spec of pools) {
      const first = await provider.ensureTemplate(spec);
      // A changed spec: a new default version of the same template.
      const template = await provider.ensureTemplate({
        ...spec,
        ec2: {
          ...spec.ec2,
          rootVolume: { ...spec.ec2.rootVolume, sizeGb: spec.ec2.rootVolume.sizeGb + 20 },
        },
        template: first,
      });
      templates.push(template);
      const outcome = await provider.launch({
        pool: { ...spec, template },
        clientToken: `iam-${spec.name}`,
        count: 2,
        placements: spec.ec2.subnets.flatMap((slot) =>
          spec.ec2.instanceTypes.map((size, priority) => ({ size, slot, priority }))
        ),
        userData: "#!/bin/bash\necho runner\n",
        tags: { ...spec.tags, "gantry:repo": "octo/app" },
      });
      assert.deepEqual(outcome.failures, []);
      launched.push(...outcome.machines.map((m) => m.id));
      for (const machine of outcome.machines) await provider.quote(machine);
    }
    // A restarted core trusts no template it has not seen: it looks the first pool's up.
    const restarted = ec2ProviderFor(emulator, log);
    try {
      await restarted.provider.ensureTemplate({ ...pools[0], template: templates[0] });
    } finally {
      restarted.destroy();
    }
    await provider.describe(launched);
    await provider.listManaged();
    // A stopped pool's cycle, on the first pool's (on-demand) machine.
    const [onDemand] = launched;
    await provider.stopStart!.stop([onDemand]);
    await provider.stopStart!.resize(onDemand, "m5.xlarge");
    await provider.stopStart!.start([onDemand]);
    await provider.terminate(launched);
    await body?.(emulator);
    return { calls: [...emulator.calls], world: worldOf(emulator) };
  } finally {
    destroy();
    await emulator.close();
  }
}

const CORE_POOLS = [
  poolSpec({ name: "fleet" }),
  poolSpec({
    name: "fleet-spot",
    isSpot: true,
    ec2: { allocationStrategy: "price-capacity-optimized" },
  }),
  poolSpec({ name: "single-spot", isSpot: true, ec2: { spawn: "run_instances" } }),
  poolSpec({ name: "single", ec2: { spawn: "run_instances" } }),
];

async function verdictsOf(
  calls: { action: string; params: Params }[],
  world: CallWorld,
): Promise<{ call: string; request: Authorization; verdict: Verdict }[]> {
  const verdicts = [];
  for (const call of calls) {
    const authorize = AUTHORIZATIONS[call.action];
    if (!authorize) {
      throw new Error(`no IAM mapping for ${call.action}: add a row to AUTHORIZATIONS`);
    }
    for (const request of authorize(call.params, world)) {
      const verdict = await evaluate(POLICY, {
        ...request,
        principal: CORE_ROLE,
        account: ACCOUNT,
      });
      verdicts.push({ call: call.action, request, verdict });
    }
  }
  return verdicts;
}

/** Requests the denial tests saw refused, for the closing summary. */
let deniedAsExpected = 0;

function expectDenied(result: Verdict["result"]): void {
  assert.equal(result, "ImplicitlyDenied");
  deniedAsExpected += 1;
}

function describeRequest(r: Authorization): string {
  return `${r.action} on ${r.resource} ${JSON.stringify(r.context)}`;
}

const recorded = await recordCoreCalls(CORE_POOLS);
const recordedActions = new Set(recorded.calls.map((call) => call.action));
const allCalls = [
  ...recorded.calls,
  ...EXAMPLES.filter((example) => !recordedActions.has(example.action)),
];
const verdicts = await verdictsOf(allCalls, recorded.world);

Deno.test("the provider run reaches every kind of call it makes", () => {
  const expected = [
    "CreateFleet",
    "CreateLaunchTemplate",
    "CreateLaunchTemplateVersion",
    "DeleteLaunchTemplateVersions",
    "DescribeInstances",
    "DescribeLaunchTemplates",
    "DescribeSpotPriceHistory",
    "GetProducts",
    "ModifyLaunchTemplate",
    "RunInstances",
    "TerminateInstances",
    "StopInstances",
    "StartInstances",
    "ModifyInstanceAttribute",
  ];
  assert.deepEqual(expected.filter((action) => !recordedActions.has(action)), []);
  assert.deepEqual(recorded.calls.filter((call) => call.error !== undefined), []);
});

Deno.test("every AWS call the core makes is allowed by docs/iam-policy.json", () => {
  const denied = verdicts.filter((v) => v.verdict.result !== "Allowed");
  assert.deepEqual(denied.map((v) => `${v.call}: ${describeRequest(v.request)}`), []);
  // Each launch is authorized resource by resource: a fleet call alone is 20-odd requests.
  const perAction = (action: string) => verdicts.filter((v) => v.request.action === action).length;
  assert.ok(perAction("ec2:RunInstances") >= 4 * 8, "RunInstances is checked per resource");
  assert.ok(perAction("ec2:CreateFleet") >= 2 * 6, "CreateFleet is checked per resource");
  assert.equal(perAction("iam:PassRole"), 4, "every launch passes the runner role");
  assert.equal(
    perAction("iam:CreateServiceLinkedRole"),
    2,
    "spot launches may create the spot role",
  );
  assert.equal(perAction("ec2:TerminateInstances"), 8, "one request per terminated instance");
  console.log(
    `IAM simulation: ${allCalls.length} calls, ${verdicts.length} requests allowed, ${denied.length} denied`,
  );
});

Deno.test("every SDK command in core/ and every recorded call has a row in the IAM table", async () => {
  const commands = new Set<string>();
  for await (const file of walkTs(new URL("../../core/", import.meta.url))) {
    for (const match of file.matchAll(/new (\w+)Command\(/g)) commands.add(match[1]);
  }
  assert.ok(commands.has("CreateFleet") && commands.has("GetProducts"), "the scan finds commands");
  const missing = [...commands, ...recordedActions].filter((action) => !AUTHORIZATIONS[action]);
  assert.deepEqual(missing, []);
  // Examples exist only for calls the run above cannot reach; none may go stale unnoticed.
  for (const action of Object.keys(AUTHORIZATIONS)) {
    assert.ok(
      recordedActions.has(action) || EXAMPLES.some((e) => e.action === action),
      `${action} is neither recorded nor given an example`,
    );
  }
});

Deno.test("every statement and every action of the policy is used by some call", () => {
  const usedSids = new Set(verdicts.flatMap((v) => v.verdict.allowedBy));
  const statements = POLICY.Statement.map((s) => String(s.Sid));
  assert.deepEqual(statements.filter((sid) => !usedSids.has(sid)), []);
  const usedActions = new Set(verdicts.map((v) => v.request.action));
  const granted = POLICY.Statement.flatMap((s) => [s.Action].flat());
  assert.deepEqual(granted.filter((action) => !usedActions.has(action)), []);
});

Deno.test("every condition key in the policy exists for its action and resource", async () => {
  assert.deepEqual(await unknownConditionKeys(POLICY), []);
  // The check can fail: the key the policy used to scope templates by does not exist.
  assert.deepEqual(
    await unknownConditionKeys({
      Version: "2012-10-17",
      Statement: [{
        Sid: "Old",
        Effect: "Allow",
        Action: "ec2:CreateLaunchTemplate",
        Resource: "arn:aws:ec2:*:*:launch-template/*",
        Condition: { StringLike: { "ec2:LaunchTemplateName": "gantry-pool-*" } },
      }],
    }),
    ["Old: ec2:CreateLaunchTemplate has no key ec2:LaunchTemplateName"],
  );
});

Deno.test("terminating, stopping, starting or resizing an instance without gantry:managed is refused", async () => {
  const foreign = { ...recorded.world, instanceTags: () => ({ team: "web" }) };
  const untrue = { ...recorded.world, instanceTags: () => ({ "gantry:managed": "false" }) };
  const id = "i-0f0e0d0c0b0a09080";
  const calls: { action: string; params: Params }[] = [
    { action: "TerminateInstances", params: { "InstanceId.1": id } },
    { action: "StopInstances", params: { "InstanceId.1": id } },
    { action: "StartInstances", params: { "InstanceId.1": id } },
    {
      action: "ModifyInstanceAttribute",
      params: { InstanceId: id, "InstanceType.Value": "m5.xlarge" },
    },
  ];
  for (const world of [foreign, untrue]) {
    const verdicts = await verdictsOf(calls, world);
    assert.equal(verdicts.length, 4);
    for (const { verdict } of verdicts) expectDenied(verdict.result);
  }
});

Deno.test("launching with any role other than the runner's is refused at PassRole", async () => {
  const { calls, world } = await recordCoreCalls([
    poolSpec({ name: "admin", ec2: { spawn: "run_instances", instanceProfile: "ops-admin" } }),
  ]);
  const launch = await verdictsOf(calls.filter((c) => c.action === "RunInstances"), world);
  assert.deepEqual(
    launch.filter((v) => v.verdict.result !== "Allowed").map((v) => describeRequest(v.request)),
    [
      `iam:PassRole on arn:aws:iam::${ACCOUNT}:role/ops-admin {"iam:PassedToService":"ec2.amazonaws.com"}`,
    ],
  );
  deniedAsExpected += 1;
});

Deno.test("the policy refuses what Gantry does not own", async () => {
  const ask = async (request: Authorization) =>
    (await evaluate(POLICY, { ...request, principal: CORE_ROLE, account: ACCOUNT })).result;
  const arn = (resource: string) => `arn:aws:ec2:${REGION}:${ACCOUNT}:${resource}`;
  // Tagging someone else's instance gantry:managed after the fact, to then terminate it.
  expectDenied(
    await ask({
      action: "ec2:CreateTags",
      resource: arn("instance/i-0f0e0d0c0b0a09080"),
      context: { "aws:RequestTag/gantry:managed": "true", "aws:TagKeys": ["gantry:managed"] },
    }),
  );
  // Changing, or launching from, a launch template Gantry did not create.
  for (const action of ["ec2:CreateLaunchTemplateVersion", "ec2:DeleteLaunchTemplateVersions"]) {
    expectDenied(await ask({ action, resource: arn("launch-template/lt-0other"), context: {} }));
  }
  expectDenied(
    await ask({
      action: "ec2:RunInstances",
      resource: arn("launch-template/lt-0other"),
      context: {},
    }),
  );
  // An instance or launch template created without Gantry's tag.
  expectDenied(
    await ask({
      action: "ec2:RunInstances",
      resource: arn("instance/i-pending"),
      context: { "aws:RequestTag/team": "web", "aws:TagKeys": ["team"] },
    }),
  );
  expectDenied(
    await ask({
      action: "ec2:CreateLaunchTemplate",
      resource: arn("launch-template/lt-pending"),
      context: {},
    }),
  );
  // A fleet not tagged gantry:managed (the core tags every fleet it creates).
  expectDenied(
    await ask({ action: "ec2:CreateFleet", resource: arn("fleet/fleet-pending"), context: {} }),
  );
});

Deno.test("summary: the IAM simulation's numbers", () => {
  assert.equal(deniedAsExpected, 16);
  console.log(
    `IAM simulation: ${verdicts.length} requests from ${allCalls.length} calls allowed, ` +
      `${deniedAsExpected} refusals denied as expected`,
  );
});

async function* walkTs(dir: URL): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) yield* walkTs(url);
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts")) {
      yield await Deno.readTextFile(url);
    }
  }
}
