/**
 * Gantry's EC2 provider wired to the emulator through the unmodified SDK
 * clients, as the core wires it to AWS.
 *
 * @module
 */
import { Ec2Provider } from "../../core/providers/ec2/ec2_provider.ts";
import { PriceQuoter } from "../../core/providers/ec2/pricing.ts";
import type { Logger } from "../../core/log.ts";
import type { Ec2Emulator } from "./ec2/emulator.ts";
import { ec2ClientFor, pricingClientFor } from "./ec2/sdk_clients.ts";

/** The provider, its clients (for direct calls in tests) and `destroy` for both clients. */
export function ec2ProviderFor(
  emulator: Ec2Emulator,
  log: Logger,
  options: { maxAttempts?: number } = {},
) {
  const ec2 = ec2ClientFor(emulator, options);
  const pricing = pricingClientFor(emulator);
  const provider = new Ec2Provider({
    ec2,
    prices: new PriceQuoter({ region: "us-east-1", ec2, pricing, log }),
    log,
  });
  return {
    ec2,
    provider,
    destroy() {
      ec2.destroy();
      pricing.destroy();
    },
  };
}
