/**
 * The provider's `describe` verb against the EC2 emulator: each machine's
 * state and state reason, and `gone` for one EC2 no longer knows.
 */
import { RunInstancesCommand, TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import assert from "node:assert/strict";
import { Ec2Provider } from "../../core/providers/ec2/ec2_provider.ts";
import { PriceQuoter } from "../../core/providers/ec2/pricing.ts";
import { createLogger } from "../../core/log.ts";
import { pricingClientFor, withEmulator } from "../support/ec2/sdk_clients.ts";

Deno.test("describe reports running, terminated and gone machines", async () => {
  await withEmulator(async (emulator, ec2) => {
    const pricing = pricingClientFor(emulator);
    const log = createLogger({ level: "error", format: "json" }, () => {});
    const provider = new Ec2Provider({
      ec2,
      prices: new PriceQuoter({ region: "us-east-1", ec2, pricing, log }),
      log,
    });
    try {
      const { Instances = [] } = await ec2.send(
        new RunInstancesCommand({
          ImageId: "ami-0abcdef1234567890",
          InstanceType: "t3.small",
          MinCount: 2,
          MaxCount: 2,
        }),
      );
      const [kept, ended] = Instances.map((instance) => instance.InstanceId!);
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: [ended] }));
      const unknown = "i-0123456789abcdef0";

      assert.deepEqual(await provider.describe([]), []);
      const states = await provider.describe([kept, ended, unknown]);
      const byId = new Map(states.map((state) => [state.id, state]));
      assert.equal(states.length, 3);
      assert.ok(["pending", "running"].includes(byId.get(kept)!.state), byId.get(kept)!.state);
      assert.ok(["shutting-down", "terminated"].includes(byId.get(ended)!.state));
      assert.equal(byId.get(ended)!.stateReason, "Client.UserInitiatedShutdown");
      assert.deepEqual(byId.get(unknown), {
        id: unknown,
        state: "gone",
        stateReason: null,
        isSpotReclaimed: false,
      });
    } finally {
      pricing.destroy();
    }
  });
});
