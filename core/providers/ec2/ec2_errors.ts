/**
 * The one classification of EC2 error codes, for whole-call errors (the SDK
 * throws) and for CreateFleet's per-placement `Errors[]` alike. Codes and
 * meanings follow AWS's "Error codes for the Amazon EC2 API" page
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html).
 * A code not listed here is `unknown`: retried a bounded number of times,
 * then the jobs fail with it, instead of being taken for capacity forever.
 */
import { NotFoundError } from "../../../shared/errors.ts";
import {
  type LaunchErrorKind,
  PermanentError,
  type ProviderError,
  providerErrorOf,
  TransientError,
} from "../provider.ts";

/** Documented as "not enough capacity (or quota) there now": wait, or try another type or zone. */
const CAPACITY = [
  "InsufficientInstanceCapacity",
  "InsufficientCapacity",
  "InsufficientHostCapacity",
  "InsufficientReservedInstanceCapacity",
  "InsufficientAddressCapacity",
  "InsufficientFreeAddressesInSubnet",
  "InsufficientCapacityOnOutpost",
  "MaxSpotInstanceCountExceeded",
  "VcpuLimitExceeded",
  "InstanceLimitExceeded",
  "UnfulfillableCapacity",
  // "Your requested instance type is not supported in your requested Availability Zone".
  "Unsupported",
] as const;

/** Documented as throttling or a server-side failure: the same request may succeed later. */
const THROTTLED = [
  "RequestLimitExceeded",
  "InternalError",
  "ServiceUnavailable",
  "Unavailable",
] as const;

/** Documented client errors no retry fixes: the pool's AMI, network, template, IAM or account. */
const PERMANENT = [
  "AuthFailure",
  "Blocked",
  "OptInRequired",
  "PendingVerification",
  "UnauthorizedOperation",
  "InvalidParameter",
  "InvalidParameterValue",
  "InvalidParameterCombination",
  "MissingParameter",
  "UnknownParameter",
  "UnsupportedOperation",
  "IdempotentParameterMismatch",
  "InvalidAMIID.Malformed",
  "InvalidAMIID.NotFound",
  "InvalidAMIID.Unavailable",
  "InvalidGroup.NotFound",
  "InvalidGroupId.Malformed",
  "InvalidSubnetID.NotFound",
  "InvalidSubnetID.Malformed",
  "InvalidInstanceType",
  "InvalidKeyPair.NotFound",
  "InvalidBlockDeviceMapping",
  "InvalidLaunchTemplateId.Malformed",
  "InvalidLaunchTemplateId.NotFound",
  "InvalidLaunchTemplateId.VersionNotFound",
  "InvalidLaunchTemplateName.NotFoundException",
  "InvalidIamInstanceProfileArn.Malformed",
  "SpotMaxPriceTooLow",
  "TagLimitExceeded",
  // Hibernation asked of an instance that cannot have it (its type, AMI, root volume or market).
  "UnsupportedHibernationConfiguration",
] as const;

const KINDS = new Map<string, LaunchErrorKind>([
  ...CAPACITY.map((code) => [code, "capacity"] as const),
  ...THROTTLED.map((code) => [code, "throttled"] as const),
  ...PERMANENT.map((code) => [code, "permanent"] as const),
]);

/** How Gantry handles an EC2 error code (the `Server.`/`Client.` prefix of old answers ignored). */
export function classifyEc2Error(code: string): LaunchErrorKind {
  const bare = code.replace(/^(Server|Client)\./, "");
  return KINDS.get(bare) ?? "unknown";
}

/** The EC2 error code of an SDK error, or undefined when it is not an answer from EC2 (network, timeout). */
export function ec2CodeOf(error: unknown): string | undefined {
  const candidate = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (candidate?.$metadata?.httpStatusCode === undefined) return undefined;
  return candidate.name;
}

/**
 * The typed error for an SDK error: EC2's answer classified by code, or
 * `undefined` when EC2 never answered (network, timeout) so the caller keeps
 * the error as it is and the call's fate stays unknown.
 */
export function providerErrorOfEc2(action: string, cause: unknown): ProviderError | undefined {
  const code = ec2CodeOf(cause);
  if (code === undefined) return undefined;
  return providerErrorOf(
    classifyEc2Error(code),
    `EC2 ${action}: ${code}: ${(cause as Error).message}`,
    { providerCode: code, cause },
  );
}

/**
 * Sends a command, translating EC2's answer into the provider contract's
 * typed errors; an error EC2 never answered becomes a TransientError, whose
 * outcome is unknown.
 */
export async function sendEc2<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (cause) {
    const typed = providerErrorOfEc2(action, cause);
    if (typed) throw typed;
    const name = (cause as { name?: string }).name ?? "Error";
    const message = `EC2 ${action}: ${name}: ${(cause as Error).message}`;
    // An AMI without a root device: the pool's config is wrong, no retry fixes it.
    if (cause instanceof NotFoundError) {
      throw new PermanentError(message, { providerCode: "ImageRootDevice.NotFound", cause });
    }
    throw new TransientError(message, { providerCode: name, cause });
  }
}
