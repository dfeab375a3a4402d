/**
 * One launch template per pool, checked through the EC2 emulator's own
 * answers (DescribeLaunchTemplates / DescribeLaunchTemplateVersions over the
 * unmodified SDK): materialised from the pool's spec, a new default version
 * when the spec changes and none when it does not, the same id across
 * renames, re-created when deleted behind Gantry's back.
 */
import {
  DeleteLaunchTemplateCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import assert from "node:assert/strict";
import { Ec2Provider } from "../../core/providers/ec2/ec2_provider.ts";
import { PriceQuoter } from "../../core/providers/ec2/pricing.ts";
import { createLogger } from "../../core/log.ts";
import { type PoolSpec, TransientError } from "../../core/providers/provider.ts";
import { eq } from "drizzle-orm";
import { jobFactsOf } from "../../core/github/job_facts.ts";
import { placementsOf } from "../../shared/launch/batch.ts";
import { pools } from "../../shared/db/schema.ts";
import { cascadeTags, gantryTags } from "../../shared/tags.ts";
import type { Ec2Emulator } from "../support/ec2/emulator.ts";
import { startEc2Emulator } from "../support/ec2/emulator.ts";
import { ec2ClientFor } from "../support/ec2/sdk_clients.ts";
import { pricingClientFor, withEmulator } from "../support/ec2/sdk_clients.ts";
import { type CoreFixture, LABELS, messageOf, REPO, startCoreFixture, waitFor } from "./fixture.ts";

const POOL_ID = "pool-7f3a";

function specOf(
  change: { name?: string; ami?: string; rootVolumeGb?: number } = {},
): PoolSpec {
  const name = change.name ?? "small";
  return {
    id: POOL_ID,
    project: "my-app",
    name,
    runnerPath: null,
    isSpot: false,
    ec2: {
      ami: change.ami ?? "ami-0abcdef1234567890",
      instanceTypes: ["m5.large", "m5.xlarge"],
      subnets: ["subnet-aaa111"],
      securityGroups: ["sg-0123", "sg-0456"],
      instanceProfile: "gantry-runner",
      rootVolume: { sizeGb: change.rootVolumeGb ?? 30, type: "gp3", iops: null, throughput: null },
      allocationStrategy: "lowest-price",
      spawn: "fleet",
    },
    tags: {
      ...cascadeTags({ project: { team: "web" }, pool: { cost: "ci" } }),
      ...gantryTags({ project: "my-app", pool: name }),
    },
    template: null,
  };
}

/** Every ensureTemplate here, with the template it returned remembered as the store would. */
function poolOf(provider: Ec2Provider) {
  let template: PoolSpec["template"] = null;
  return {
    async ensure(spec: PoolSpec) {
      template = await provider.ensureTemplate({ ...spec, template });
      return template;
    },
  };
}

async function templateOf(ec2: EC2Client, id: string) {
  const { LaunchTemplates = [] } = await ec2.send(
    new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [id] }),
  );
  assert.equal(LaunchTemplates.length, 1);
  return LaunchTemplates[0];
}

async function defaultDataOf(ec2: EC2Client, id: string) {
  const { LaunchTemplateVersions = [] } = await ec2.send(
    new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: id, Versions: ["$Default"] }),
  );
  assert.equal(LaunchTemplateVersions.length, 1);
  return LaunchTemplateVersions[0];
}

const templateWrites = (emulator: Ec2Emulator) =>
  emulator.calls.filter((call) =>
    ["CreateLaunchTemplate", "CreateLaunchTemplateVersion", "ModifyLaunchTemplate"].includes(
      call.action,
    )
  ).map((call) => call.action);

Deno.test("a pool's launch template follows its spec, keeps its id, and comes back when deleted", async (t) => {
  await withEmulator(async (emulator, ec2) => {
    const log = createLogger({ level: "error", format: "json" }, () => {});
    const pricing = pricingClientFor(emulator);
    const provider = new Ec2Provider({
      ec2,
      prices: new PriceQuoter({ region: "us-east-1", ec2, pricing, log }),
      log,
    });
    const pool = poolOf(provider);
    let id = "";
    try {
      await t.step("the first ensure creates the template, version 1 by default", async () => {
        const made = await pool.ensure(specOf());
        id = made.id;
        assert.match(id, /^lt-[0-9a-f]{17}$/);
        assert.equal(made.version, 1);
        assert.deepEqual(templateWrites(emulator), ["CreateLaunchTemplate"]);

        const template = await templateOf(ec2, id);
        assert.equal(template.DefaultVersionNumber, 1);
        assert.equal(template.LatestVersionNumber, 1);
        assert.equal(template.LaunchTemplateName, `gantry-pool-${POOL_ID}`);
        const version = await defaultDataOf(ec2, id);
        assert.equal(version.VersionNumber, 1);
        const data = version.LaunchTemplateData!;
        assert.equal(data.ImageId, "ami-0abcdef1234567890");
        assert.equal(data.InstanceType, "m5.large");
        assert.deepEqual(data.SecurityGroupIds, ["sg-0123", "sg-0456"]);
        assert.equal(data.IamInstanceProfile?.Name, "gantry-runner");
        assert.equal(data.MetadataOptions?.HttpTokens, "required");
        assert.equal(data.MetadataOptions?.HttpEndpoint, "enabled");
        assert.equal(data.InstanceInitiatedShutdownBehavior, "terminate");
        assert.deepEqual(data.BlockDeviceMappings, [{
          DeviceName: "/dev/sda1",
          Ebs: { Encrypted: true, DeleteOnTermination: true, VolumeSize: 30, VolumeType: "gp3" },
        }]);
        const wanted = [
          { Key: "team", Value: "web" },
          { Key: "cost", Value: "ci" },
          { Key: "gantry:managed", Value: "true" },
          { Key: "gantry:project", Value: "my-app" },
          { Key: "gantry:pool", Value: "small" },
        ];
        assert.deepEqual(data.TagSpecifications, [
          { ResourceType: "instance", Tags: wanted },
          { ResourceType: "volume", Tags: wanted },
        ]);
      });

      await t.step("the same spec again writes nothing, and asks EC2 nothing", async () => {
        const before = templateWrites(emulator).length;
        const callsBefore = emulator.calls.length;
        const first = await pool.ensure(specOf());
        assert.deepEqual({ id: first.id, version: first.version }, { id, version: 1 });
        for (let i = 0; i < 3; i++) assert.deepEqual(await pool.ensure(specOf()), first);
        assert.equal(templateWrites(emulator).length, before);
        // Seen to exist a moment ago: trusted, no DescribeLaunchTemplates in front of a launch.
        assert.deepEqual(emulator.calls.slice(callsBefore).map((c) => c.action), []);
        assert.equal((await templateOf(ec2, id)).LatestVersionNumber, 1);
      });

      await t.step(
        "a changed AMI and root volume make version 2 the default, same id",
        async () => {
          const before = templateWrites(emulator).length;
          const made = await pool.ensure(
            specOf({ ami: "ami-0fedcba9876543210", rootVolumeGb: 50 }),
          );
          assert.deepEqual({ id: made.id, version: made.version }, { id, version: 2 });
          assert.deepEqual(templateWrites(emulator).slice(before), [
            "CreateLaunchTemplateVersion",
            "ModifyLaunchTemplate",
          ]);
          const template = await templateOf(ec2, id);
          assert.equal(template.DefaultVersionNumber, 2);
          const data = (await defaultDataOf(ec2, id)).LaunchTemplateData!;
          assert.equal(data.ImageId, "ami-0fedcba9876543210");
          assert.equal(data.BlockDeviceMappings?.[0].Ebs?.VolumeSize, 50);
          assert.equal(data.BlockDeviceMappings?.[0].Ebs?.Encrypted, true);
          assert.equal(data.MetadataOptions?.HttpTokens, "required");
          assert.equal(emulator.launchTemplates().length, 1);
        },
      );

      await t.step("a renamed pool keeps its template: a new version, the same id", async () => {
        const renamed = specOf({ name: "medium", ami: "ami-0fedcba9876543210", rootVolumeGb: 50 });
        const made = await pool.ensure(renamed);
        assert.deepEqual({ id: made.id, version: made.version }, { id, version: 3 });
        assert.equal(emulator.launchTemplates().length, 1);
        assert.equal((await templateOf(ec2, id)).DefaultVersionNumber, 3);
        const tags = (await defaultDataOf(ec2, id)).LaunchTemplateData?.TagSpecifications?.[0].Tags;
        assert.ok(tags?.some((tag) => tag.Key === "gantry:pool" && tag.Value === "medium"));

        // A core that lost the pool's template row (a fresh database) adopts the same template,
        // and the version it writes for the same spec is the one already there (client token).
        const adopted = await provider.ensureTemplate({ ...renamed, template: null });
        assert.deepEqual({ id: adopted.id, version: adopted.version }, { id, version: 3 });
        assert.equal(emulator.launchTemplates().length, 1);
        const template = await templateOf(ec2, id);
        assert.equal(template.DefaultVersionNumber, 3);
        assert.equal(template.LatestVersionNumber, 3, "no copy of version 3");
      });

      await t.step(
        "a template deleted behind Gantry's back: the launch that finds it gone is replayed, re-created",
        async () => {
          await ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: id }));
          assert.equal(emulator.launchTemplates().length, 0);
          const spec = specOf({ name: "medium", ami: "ami-0fedcba9876543210", rootVolumeGb: 50 });
          const trusted = await pool.ensure(spec);
          assert.equal(trusted.id, id, "seen a moment ago: trusted without asking");
          const gone = await provider.launch({
            pool: { ...spec, template: trusted },
            clientToken: "lt-test-after-delete",
            count: 1,
            placements: placementsOf(spec.ec2.instanceTypes, spec.ec2.subnets),
            userData: "#!/bin/sh\necho hi\n",
            tags: { ...spec.tags, "gantry:repo": "acme/web" },
          }).then(() => null, (error) => error);
          // Replayed (same client token), not failed: the replay's ensure looks again.
          assert.ok(gone instanceof TransientError, String(gone));
          assert.equal(gone.providerCode, "InvalidLaunchTemplateId.NotFound");
          const made = await pool.ensure(spec);
          assert.notEqual(made.id, id);
          assert.equal(made.version, 1);
          const template = await templateOf(ec2, made.id);
          assert.equal(template.DefaultVersionNumber, 1);
          assert.equal(template.LaunchTemplateName, `gantry-pool-${POOL_ID}`);
          const data = (await defaultDataOf(ec2, made.id)).LaunchTemplateData!;
          assert.equal(data.ImageId, "ami-0fedcba9876543210");
          assert.equal(data.InstanceInitiatedShutdownBehavior, "terminate");

          const outcome = await provider.launch({
            pool: { ...spec, template: made },
            clientToken: "lt-test-after-delete",
            count: 1,
            placements: placementsOf(spec.ec2.instanceTypes, spec.ec2.subnets),
            userData: "#!/bin/sh\necho hi\n",
            tags: { ...spec.tags, "gantry:repo": "acme/web" },
          });
          assert.deepEqual(outcome.failures, []);
          assert.equal(outcome.machines.length, 1);
          const instance = emulator.instances().find((i) =>
            i.instanceId === outcome.machines[0].id
          );
          assert.equal(instance?.launchTemplate?.id, made.id);
          assert.equal(instance?.imageId, "ami-0fedcba9876543210");
        },
      );
    } finally {
      pricing.destroy();
    }
  });
});

async function launchJob(stack: CoreFixture) {
  const job = stack.github.addJob({ repo: REPO, labels: LABELS });
  await stack.events.handle(
    messageOf("queued", jobFactsOf(job, { repoFullName: REPO, installationId: 1001 })),
  );
  const row = await waitFor(`job ${job.id} to launch`, async () => {
    const row = await stack.store.job(String(job.id));
    return row?.state === "starting" ? row : undefined;
  });
  return stack.ec2Emulator.instances().find((i) => i.instanceId === row.instanceId)!;
}

Deno.test("after a pool's AMI changes in the store, the next batch launches from a new default version", async () => {
  const stack = await startCoreFixture();
  try {
    const first = await launchJob(stack);
    const [pool] = await stack.db.select().from(pools);
    assert.equal(first.imageId, "ami-0abcdef1234567890");
    assert.equal(first.launchTemplate?.id, pool.launchTemplateId);
    const before = stack.ec2Emulator.launchTemplates()[0];
    assert.equal(before.defaultVersionNumber, pool.launchTemplateVersion);

    await stack.db.update(pools).set({ ami: "ami-0fedcba9876543210" }).where(
      eq(pools.id, pool.id),
    );
    const second = await launchJob(stack);
    assert.equal(second.imageId, "ami-0fedcba9876543210");

    const [saved] = await stack.db.select().from(pools);
    const after = stack.ec2Emulator.launchTemplates();
    assert.equal(after.length, 1);
    assert.equal(saved.launchTemplateId, pool.launchTemplateId);
    assert.equal(second.launchTemplate?.id, pool.launchTemplateId);
    assert.ok(saved.launchTemplateVersion! > pool.launchTemplateVersion!);
    assert.equal(after[0].defaultVersionNumber, saved.launchTemplateVersion);
    assert.notEqual(saved.launchTemplateHash, pool.launchTemplateHash);
  } finally {
    await stack.close();
  }
});

Deno.test("a job whose pool's template was deleted behind Gantry's back still launches: the replay re-creates it", async () => {
  const stack = await startCoreFixture();
  try {
    const first = await launchJob(stack);
    const [pool] = await stack.db.select().from(pools);
    await ec2ClientFor(stack.ec2Emulator).send(
      new DeleteLaunchTemplateCommand({ LaunchTemplateId: pool.launchTemplateId! }),
    );
    const second = await launchJob(stack);

    const [saved] = await stack.db.select().from(pools);
    assert.notEqual(saved.launchTemplateId, pool.launchTemplateId);
    assert.equal(second.launchTemplate?.id, saved.launchTemplateId);
    assert.notEqual(second.instanceId, first.instanceId);
    // The launch found it gone; the replay's ensure looked, found it gone, and made a new one.
    const actions = stack.ec2Emulator.calls.map((c) =>
      `${c.action}${c.error ? `:${c.error}` : ""}`
    );
    // The batch's own version (user data) is written to the template first: there it fails.
    const gone = actions.indexOf("CreateLaunchTemplateVersion:InvalidLaunchTemplateId.NotFound");
    assert.ok(gone >= 0, actions.join(" "));
    assert.deepEqual(
      actions.slice(gone + 1).filter((a) => a.includes("LaunchTemplate")).slice(0, 2),
      ["DescribeLaunchTemplates:InvalidLaunchTemplateId.NotFound", "CreateLaunchTemplate"],
    );
  } finally {
    await stack.close();
  }
});

/** A provider on a fresh emulator, its log lines kept, its clock settable. */
async function providerStack(options: { maxTemplateVersions?: number } = {}) {
  // 160 launches in a row: a measure of template versions, not of AWS's call rate.
  const emulator = await startEc2Emulator({ ...options, rateLimits: "off" });
  const ec2 = ec2ClientFor(emulator);
  const pricing = pricingClientFor(emulator);
  const lines: string[] = [];
  const log = createLogger({ level: "info", format: "json" }, (line) => lines.push(line));
  const clock = { now: Date.now() };
  const provider = new Ec2Provider({
    ec2,
    prices: new PriceQuoter({ region: "us-east-1", ec2, pricing, log }),
    log,
    now: () => clock.now,
  });
  return {
    emulator,
    provider,
    lines,
    clock,
    launchBatch(spec: PoolSpec, clientToken: string) {
      return provider.launch({
        pool: spec,
        clientToken,
        count: 1,
        placements: placementsOf(spec.ec2.instanceTypes, spec.ec2.subnets),
        userData: `#!/bin/sh\necho ${clientToken}\n`,
        tags: { ...spec.tags, "gantry:repo": "acme/web" },
      });
    },
    async close() {
      ec2.destroy();
      pricing.destroy();
      await emulator.close();
    },
  };
}

Deno.test("per-batch template versions never pile up: 160 fleet batches under a 50-version limit", async () => {
  const stack = await providerStack({ maxTemplateVersions: 50 });
  try {
    const template = await stack.provider.ensureTemplate(specOf());
    const spec = { ...specOf(), template };
    for (let i = 0; i < 160; i++) {
      const outcome = await stack.launchBatch(spec, `version-run-${i}`);
      assert.deepEqual(outcome.failures, [], `batch ${i}`);
      assert.equal(outcome.machines.length, 1, `batch ${i}`);
    }
    const [held] = stack.emulator.launchTemplates();
    assert.deepEqual(held.versions.map((v) => v.versionNumber), [1], "only the pool's own version");
    assert.equal(held.latestVersionNumber, 161);
    assert.deepEqual(stack.provider.versions.counters, {
      deleted: 160,
      deleteFailures: 0,
      swept: 0,
    });
    assert.equal(
      stack.emulator.calls.filter((call) => call.action === "CreateFleet" && call.error).length,
      0,
    );
  } finally {
    await stack.close();
  }
});

Deno.test("a refused version delete is logged with its code and counted; the hourly sweep removes the leftovers", async () => {
  const stack = await providerStack();
  try {
    const template = await stack.provider.ensureTemplate(specOf());
    const spec = { ...specOf(), template };
    stack.emulator.faults.failAction({
      action: "DeleteLaunchTemplateVersions",
      code: "UnauthorizedOperation",
      message: "You are not authorized to perform this operation.",
      ms: 60_000,
    });
    for (let i = 0; i < 3; i++) {
      const outcome = await stack.launchBatch(spec, `refused-delete-${i}`);
      assert.equal(outcome.machines.length, 1, "the launch itself is unaffected");
    }
    const failures = stack.lines.map((line) => JSON.parse(line)).filter((line) =>
      line.msg === "could not delete a launch template version; the sweep retries"
    );
    assert.deepEqual(
      failures.map((line) => [line.level, line.code, line.version, line.deleteFailuresTotal]),
      [
        ["warn", "UnauthorizedOperation", 2, 1],
        ["warn", "UnauthorizedOperation", 3, 2],
        ["warn", "UnauthorizedOperation", 4, 3],
      ],
    );
    assert.equal(stack.provider.versions.counters.deleteFailures, 3);
    assert.equal(stack.emulator.launchTemplates()[0].versions.length, 4);
    stack.emulator.faults.clear();

    // Younger than an hour: a sweep leaves them (a replay may still launch from one).
    stack.clock.now += 30 * 60_000;
    assert.equal(await stack.provider.versions.sweep(template.id), 0);
    // The pool's next batch, over an hour later, sweeps them (and its own is deleted as usual).
    stack.clock.now += 31 * 60_000;
    const sweptTemplate = await stack.provider.ensureTemplate({ ...spec });
    assert.equal(
      (await stack.launchBatch({ ...spec, template: sweptTemplate }, "after")).machines.length,
      1,
    );
    const [held] = stack.emulator.launchTemplates();
    assert.deepEqual(held.versions.map((v) => v.versionNumber), [1]);
    assert.equal(stack.provider.versions.counters.swept, 3);
    // Swept at most hourly: another ensure within the hour describes nothing.
    const describes = () =>
      stack.emulator.calls.filter((c) => c.action === "DescribeLaunchTemplateVersions").length;
    const before = describes();
    await stack.provider.ensureTemplate({ ...spec });
    assert.equal(describes(), before);
  } finally {
    await stack.close();
  }
});

Deno.test("the pool's launch template is tagged gantry:managed at creation (IAM scopes version deletes by it)", async () => {
  const stack = await providerStack();
  try {
    await stack.provider.ensureTemplate(specOf());
    assert.deepEqual(stack.emulator.launchTemplates()[0].tags, { "gantry:managed": "true" });
  } finally {
    await stack.close();
  }
});

Deno.test("a throttled launch replayed after the pool's template moved on launches from its own version", async () => {
  const stack = await providerStack();
  try {
    const first = await stack.provider.ensureTemplate(specOf());
    stack.emulator.faults.failAction({
      action: "CreateFleet",
      code: "RequestLimitExceeded",
      status: 503,
      ms: 60_000,
    });
    await assert.rejects(stack.launchBatch({ ...specOf(), template: first }, "replayed-1"));
    stack.emulator.faults.clear();
    // Another batch (or an operator's edit) makes a new default version before the replay.
    const moved = await stack.provider.ensureTemplate({
      ...specOf({ rootVolumeGb: 50 }),
      template: first,
    });
    assert.notEqual(moved.version, first.version);
    const replay = await stack.launchBatch(
      { ...specOf({ rootVolumeGb: 50 }), template: moved },
      "replayed-1",
    );
    assert.deepEqual([replay.failures, replay.machines.length], [[], 1]);
    const versionCalls = stack.emulator.calls.filter((c) =>
      c.action === "CreateLaunchTemplateVersion" && c.params.ClientToken === "replayed-1"
    );
    assert.deepEqual(versionCalls.map((c) => c.error), [undefined, "IdempotentParameterMismatch"]);
    const launched = stack.emulator.calls.filter((c) =>
      c.action === "CreateFleet" && c.params.ClientToken === "replayed-1" && c.error === undefined
    );
    // The first call's batch version: the template's first version plus one.
    assert.deepEqual(
      launched.map((c) => c.params["LaunchTemplateConfigs.1.LaunchTemplateSpecification.Version"]),
      [String(first.version + 1)],
    );
  } finally {
    await stack.close();
  }
});
