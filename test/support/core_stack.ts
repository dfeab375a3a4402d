/**
 * The core's adapters wired to a fresh libSQL file and the EC2 emulator over
 * HTTP (the unmodified SDK), for tests of the scheduler and reaper without
 * the edge.
 */
import { EC2Client } from "@aws-sdk/client-ec2";
import { PricingClient } from "@aws-sdk/client-pricing";
import { Ec2Provider } from "../../core/aws/ec2_provider.ts";
import { PriceQuoter } from "../../core/aws/pricing.ts";
import { openDatabase } from "../../core/db/database.ts";
import { migrate } from "../../core/db/migrate.ts";
import { Store } from "../../core/db/store.ts";
import { createLogger } from "../../core/log.ts";
import { startEc2Emulator } from "./ec2/emulator.ts";

export async function startCoreStack() {
  const ec2Emulator = await startEc2Emulator();
  const dir = await Deno.makeTempDir({ prefix: "gantry-core-" });
  const { client, db } = openDatabase(`file:${dir}/gantry.db`);
  await migrate(client);
  const lines: string[] = [];
  const log = createLogger({ level: "debug", format: "json" }, (line) => lines.push(line));
  const common = {
    region: "us-east-1",
    endpoint: ec2Emulator.url,
    credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" },
    maxAttempts: 1,
  };
  const ec2 = new EC2Client(common);
  const pricing = new PricingClient(common);
  const provider = new Ec2Provider({
    ec2,
    prices: new PriceQuoter({ region: "us-east-1", ec2, pricing, log }),
  });
  return {
    ec2Emulator,
    store: new Store(client, db),
    db,
    provider,
    log,
    lines,
    async close() {
      client.close();
      ec2.destroy();
      pricing.destroy();
      await ec2Emulator.close();
    },
  };
}
