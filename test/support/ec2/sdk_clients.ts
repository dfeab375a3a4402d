/**
 * Real SDK clients pointed at an emulator, for the emulator's own tests and
 * for any test that drives EC2 through the SDK.
 *
 * @module
 */

import { EC2Client } from "@aws-sdk/client-ec2";
import { PricingClient } from "@aws-sdk/client-pricing";
import { type Ec2Emulator, type Ec2EmulatorOptions, startEc2Emulator } from "./emulator.ts";

/** Credentials the emulator accepts (it checks no signatures). */
export const FAKE_CREDENTIALS = { accessKeyId: "AKIAEMULATOR0000000", secretAccessKey: "emulator" };

/** An EC2 client for the emulator; `maxAttempts: 1` shows a fault's first error instead of retrying it. */
export function ec2ClientFor(emulator: Ec2Emulator, options: { maxAttempts?: number } = {}) {
  return new EC2Client({
    region: "us-east-1",
    endpoint: emulator.url,
    credentials: FAKE_CREDENTIALS,
    maxAttempts: options.maxAttempts ?? 1,
  });
}

/** A Pricing API client for the emulator. */
export function pricingClientFor(emulator: Ec2Emulator): PricingClient {
  return new PricingClient({
    region: "us-east-1",
    endpoint: emulator.url,
    credentials: FAKE_CREDENTIALS,
  });
}

/** Runs `body` against a fresh emulator and EC2 client, closing both afterwards. */
export async function withEmulator(
  body: (emulator: Ec2Emulator, ec2: EC2Client) => Promise<void>,
  options: Ec2EmulatorOptions & { maxAttempts?: number } = {},
): Promise<void> {
  const emulator = await startEc2Emulator(options);
  const ec2 = ec2ClientFor(emulator, options);
  try {
    await body(emulator, ec2);
  } finally {
    ec2.destroy();
    await emulator.close();
  }
}
