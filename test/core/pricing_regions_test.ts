/**
 * On-demand prices in any region the Pricing API knows: the region's
 * location name is learnt from the Pricing API (GetAttributeValues for
 * `location`, and a GetProducts product of that `regionCode`), cached, and
 * never taken from a hand-written list.
 */
import assert from "node:assert/strict";
import { PriceQuoter } from "../../core/providers/ec2/pricing.ts";
import { createLogger } from "../../core/log.ts";
import { startEc2Emulator } from "../support/ec2/emulator.ts";
import { ec2ClientFor, pricingClientFor } from "../support/ec2/sdk_clients.ts";

async function withQuoter(
  region: string,
  body: (quoter: PriceQuoter, calls: () => string[]) => Promise<void>,
) {
  const emulator = await startEc2Emulator();
  const ec2 = ec2ClientFor(emulator);
  const pricing = pricingClientFor(emulator);
  const log = createLogger({ level: "error", format: "json" }, () => {});
  try {
    await body(
      new PriceQuoter({ region, ec2, pricing, log }),
      () => emulator.calls.map((call) => call.action),
    );
  } finally {
    ec2.destroy();
    pricing.destroy();
    await emulator.close();
  }
}

const onDemand = (instanceType: string) => ({
  instanceType,
  availabilityZone: null,
  isSpot: false,
});

Deno.test("a region outside the old 16-region list gets an on-demand price", async () => {
  await withQuoter("ap-southeast-3", async (quoter) => {
    assert.equal(await quoter.quote(onDemand("t3.medium")), 0.04992);
  });
  await withQuoter("eu-south-2", async (quoter) => {
    assert.equal(await quoter.quote(onDemand("m5.large")), 0.1056);
  });
});

Deno.test("the location is looked up once and cached across instance types", async () => {
  await withQuoter("eu-west-1", async (quoter, calls) => {
    assert.equal(await quoter.quote(onDemand("t3.medium")), 0.04576);
    assert.equal(await quoter.quote(onDemand("c5.large")), 0.0935);
    // The listing and the region's product are asked for together, so in either order.
    assert.deepEqual(calls().toSorted(), [
      "GetAttributeValues",
      "GetProducts",
      "GetProducts",
      "GetProducts",
    ]);
  });
});

Deno.test("a region the Pricing API does not know stays unquoted", async () => {
  await withQuoter("xx-nowhere-1", async (quoter) => {
    assert.equal(await quoter.quote(onDemand("t3.medium")), null);
  });
});
