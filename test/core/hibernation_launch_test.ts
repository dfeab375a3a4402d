/**
 * A stopped pool of one size: its standby instances are launched able to
 * hibernate — on RunInstances itself, or in CreateFleet's per-batch template
 * version, never on the pool's template — and hibernated on their stop; an
 * instance not enabled at launch is stopped plainly; a hibernated one is
 * never resized. Through the unmodified
 * SDK against the EC2 emulator (hibernation.ts).
 */
import {
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
} from "@aws-sdk/client-ec2";
import assert from "node:assert/strict";
import { createLogger } from "../../core/log.ts";
import { Ec2Provider } from "../../core/providers/ec2/ec2_provider.ts";
import { PriceQuoter } from "../../core/providers/ec2/pricing.ts";
import type { LaunchRequest, PoolSpec } from "../../core/providers/provider.ts";
import { gantryTags } from "../../shared/tags.ts";
import type { PendingEvent } from "../support/ec2/emulator.ts";
import { AMAZON_LINUX_AMI } from "../support/ec2/images.ts";
import { pricingClientFor, withEmulator } from "../support/ec2/sdk_clients.ts";

function specOf(spawn: "fleet" | "run_instances"): PoolSpec {
  return {
    id: `standby-${spawn}`,
    project: "my-app",
    name: `standby-${spawn}`,
    runnerPath: null,
    isSpot: false,
    ec2: {
      ami: AMAZON_LINUX_AMI,
      instanceTypes: ["m5.large"],
      subnets: ["subnet-aaa111"],
      securityGroups: [],
      instanceProfile: null,
      rootVolume: { sizeGb: 30, type: "gp3", iops: null, throughput: null },
      allocationStrategy: "lowest-price",
      spawn,
    },
    tags: gantryTags({ project: "my-app", pool: `standby-${spawn}` }),
    template: null,
  };
}

for (const spawn of ["fleet", "run_instances"] as const) {
  Deno.test(`${spawn}: a hibernating launch, a hibernated stop, a resume; the pool's template unchanged`, async () => {
    await withEmulator(async (emulator, ec2) => {
      const causes: PendingEvent["cause"][] = [];
      emulator.onPending((event) => causes.push(event.cause));
      const log = createLogger({ level: "error", format: "json" }, () => {});
      const pricing = pricingClientFor(emulator);
      try {
        const provider = new Ec2Provider({
          ec2,
          prices: new PriceQuoter({ region: "us-east-1", ec2, pricing, log }),
          log,
        });
        const spec = specOf(spawn);
        const template = await provider.ensureTemplate(spec);
        const request = (clientToken: string, hibernation: boolean): LaunchRequest => ({
          pool: { ...spec, template },
          clientToken,
          count: 1,
          placements: provider.placementsOf(spec),
          userData: "#!/bin/bash\n",
          tags: spec.tags,
          ...(hibernation ? { hibernation } : {}),
        });
        const [standby] = (await provider.launch(request("s-standby-1", true))).machines;
        const [job] = (await provider.launch(request("g-job-1", false))).machines;
        const configured = async (id: string) =>
          (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] })))
            .Reservations![0].Instances![0].HibernationOptions?.Configured;
        assert.equal(await configured(standby.id), true);
        assert.equal(await configured(job.id), false);
        const { LaunchTemplateVersions = [] } = await ec2.send(
          new DescribeLaunchTemplateVersionsCommand({
            LaunchTemplateId: template.id,
            Versions: ["$Default"],
          }),
        );
        assert.equal(LaunchTemplateVersions[0].LaunchTemplateData?.HibernationOptions, undefined);

        const control = provider.stopStart;
        await control.stop([standby.id], { hibernate: true });
        // Not enabled at launch: EC2 refuses the hibernation, and the instance stops plainly.
        await control.stop([job.id], { hibernate: true });
        const stops = emulator.calls.filter((call) => call.action === "StopInstances")
          .map((call) => `${call.params["InstanceId.1"]} ${call.params.Hibernate ?? "-"}`);
        assert.deepEqual(stops, [
          `${standby.id} true`,
          `${job.id} true`,
          `${job.id} -`,
        ]);
        const reasons = (await ec2.send(
          new DescribeInstancesCommand({ InstanceIds: [standby.id, job.id] }),
        )).Reservations!.flatMap((r) => r.Instances!).map((i) => i.StateReason?.Code);
        assert.deepEqual(reasons.sort(), [
          "Client.UserInitiatedHibernate",
          "Client.UserInitiatedShutdown",
        ]);
        // The hibernated one keeps its size (no ModifyInstanceAttribute); the other is resized.
        assert.equal(await control.resize(standby.id, "m5.xlarge"), false);
        assert.equal(await control.resize(job.id, "m5.xlarge"), true);
        const resized = emulator.calls.filter((call) => call.action === "ModifyInstanceAttribute");
        assert.deepEqual(resized.map((call) => call.params.InstanceId), [job.id]);
        await control.start([standby.id, job.id]);
        assert.deepEqual(causes, ["launch", "launch", "resume", "start"]);
      } finally {
        pricing.destroy();
      }
    });
  });
}
