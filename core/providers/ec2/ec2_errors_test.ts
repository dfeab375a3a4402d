/**
 * The EC2 error codes AWS documents for RunInstances and CreateFleet
 * ("Error codes for the Amazon EC2 API",
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html,
 * and the CreateFleet `Errors[]` codes of "EC2 Fleet" / "Spot Instance
 * request status"), each pinned to the class Gantry handles it as.
 */
import assert from "node:assert/strict";
import {
  CapacityError,
  PermanentError,
  ThrottledError,
  UnknownProviderError,
} from "../provider.ts";
import { GantryError } from "../../../shared/errors.ts";
import { classifyEc2Error, providerErrorOfEc2 } from "./ec2_errors.ts";

const TABLE: [code: string, kind: ReturnType<typeof classifyEc2Error>][] = [
  // Capacity: no room (or quota) there now.
  ["InsufficientInstanceCapacity", "capacity"],
  ["InsufficientCapacity", "capacity"],
  ["InsufficientHostCapacity", "capacity"],
  ["InsufficientReservedInstanceCapacity", "capacity"],
  ["InsufficientAddressCapacity", "capacity"],
  ["InsufficientFreeAddressesInSubnet", "capacity"],
  ["MaxSpotInstanceCountExceeded", "capacity"],
  ["VcpuLimitExceeded", "capacity"],
  ["InstanceLimitExceeded", "capacity"],
  ["UnfulfillableCapacity", "capacity"],
  ["Unsupported", "capacity"],
  ["Server.InsufficientInstanceCapacity", "capacity"],
  // Throttled or failed on AWS's side: the same call later.
  ["RequestLimitExceeded", "throttled"],
  ["InternalError", "throttled"],
  ["ServiceUnavailable", "throttled"],
  ["Unavailable", "throttled"],
  ["Server.InternalError", "throttled"],
  // Permanent: the pool's configuration, IAM or the account.
  ["AuthFailure", "permanent"],
  ["Blocked", "permanent"],
  ["OptInRequired", "permanent"],
  ["PendingVerification", "permanent"],
  ["UnauthorizedOperation", "permanent"],
  ["Client.UnauthorizedOperation", "permanent"],
  ["InvalidParameter", "permanent"],
  ["InvalidParameterValue", "permanent"],
  ["InvalidParameterCombination", "permanent"],
  ["MissingParameter", "permanent"],
  ["UnknownParameter", "permanent"],
  ["UnsupportedOperation", "permanent"],
  ["IdempotentParameterMismatch", "permanent"],
  ["InvalidAMIID.Malformed", "permanent"],
  ["InvalidAMIID.NotFound", "permanent"],
  ["InvalidAMIID.Unavailable", "permanent"],
  ["InvalidGroup.NotFound", "permanent"],
  ["InvalidGroupId.Malformed", "permanent"],
  ["InvalidSubnetID.NotFound", "permanent"],
  ["InvalidSubnetID.Malformed", "permanent"],
  ["InvalidInstanceType", "permanent"],
  ["InvalidKeyPair.NotFound", "permanent"],
  ["InvalidBlockDeviceMapping", "permanent"],
  ["InvalidLaunchTemplateId.Malformed", "permanent"],
  ["InvalidLaunchTemplateId.NotFound", "permanent"],
  ["InvalidLaunchTemplateId.VersionNotFound", "permanent"],
  ["InvalidLaunchTemplateName.NotFoundException", "permanent"],
  ["InvalidIamInstanceProfileArn.Malformed", "permanent"],
  ["SpotMaxPriceTooLow", "permanent"],
  ["TagLimitExceeded", "permanent"],
  // Not documented as any of these (or not documented at all): bounded retries, then fail.
  ["capacity-not-available", "unknown"],
  ["DependencyViolation", "unknown"],
  ["SomethingAwsAddsNextYear", "unknown"],
  ["", "unknown"],
];

for (const [code, kind] of TABLE) {
  Deno.test(`EC2 error ${code || "(empty)"} is ${kind}`, () => {
    assert.equal(classifyEc2Error(code), kind);
  });
}

/** An SDK service exception as @aws-sdk/client-ec2 throws it: name is the code, $metadata set. */
function sdkError(name: string): Error {
  return Object.assign(new Error(`text of ${name}`), {
    name,
    $fault: "client",
    $metadata: { httpStatusCode: 400 },
  });
}

Deno.test("an SDK error becomes the contract's typed error, checked with instanceof", () => {
  const cases: [string, new (...args: never[]) => GantryError][] = [
    ["InsufficientInstanceCapacity", CapacityError],
    ["RequestLimitExceeded", ThrottledError],
    ["InvalidGroup.NotFound", PermanentError],
    ["SomethingAwsAddsNextYear", UnknownProviderError],
  ];
  for (const [code, type] of cases) {
    const cause = sdkError(code);
    const error = providerErrorOfEc2("CreateFleet", cause);
    assert.ok(error instanceof type, code);
    assert.ok(error instanceof GantryError);
    assert.equal(error.providerCode, code);
    assert.equal(error.message, `EC2 CreateFleet: ${code}: text of ${code}`);
    assert.equal(error.cause, cause);
  }
  assert.equal(providerErrorOfEc2("CreateFleet", new TypeError("fetch failed")), undefined);
});
