import assert from "node:assert/strict";
import { EC2Client } from "@aws-sdk/client-ec2";
import { PricingClient } from "@aws-sdk/client-pricing";
import { createLogger } from "../../log.ts";
import { TransientError } from "../provider.ts";
import { Ec2Provider } from "./ec2_provider.ts";
import { PriceQuoter } from "./pricing.ts";

/** A loopback port nothing listens on: every call fails before EC2 could answer. */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

Deno.test("a call EC2 never answered is a TransientError: its outcome is unknown, the scheduler replays it", async () => {
  const common = {
    region: "us-east-1",
    endpoint: `http://127.0.0.1:${closedPort()}`,
    credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" },
    maxAttempts: 1,
  };
  const ec2 = new EC2Client(common);
  const pricing = new PricingClient(common);
  const log = createLogger({ level: "error", format: "json" }, () => {});
  const provider = new Ec2Provider({
    ec2,
    prices: new PriceQuoter({ region: "us-east-1", ec2, pricing, log }),
    log,
  });
  try {
    for (
      const call of [() => provider.terminate(["i-0abc"]), () => provider.describe(["i-0abc"])]
    ) {
      await assert.rejects(call(), (error: unknown) => {
        assert.ok(error instanceof TransientError);
        assert.equal(error.code, "provider_unreachable");
        assert.equal(error.kind, "transient");
        assert.match(error.message, /^EC2 (TerminateInstances|DescribeInstances): /);
        return true;
      });
    }
  } finally {
    ec2.destroy();
    pricing.destroy();
  }
});
