/**
 * EC2 hibernation as the emulator plays it. What AWS documents, and where:
 *
 * - it is enabled at launch only, by `HibernationOptions.Configured` on
 *   RunInstances or in the launch template's data (HibernationOptionsRequest,
 *   LaunchTemplateHibernationOptionsRequest, EC2 API reference), and "You
 *   can't enable or disable hibernation for an instance after you launch it"
 *   (EC2 user guide, "Enable hibernation for an Amazon EC2 instance");
 * - the root volume must be an encrypted EBS volume (hibernation
 *   prerequisites): a launch asking for hibernation without one is refused
 *   with UnsupportedHibernationConfiguration, a code of EC2's error list;
 * - StopInstances `Hibernate` "Hibernates the instance if the instance was
 *   enabled for hibernation at launch" (StopInstances API reference); asked
 *   of an instance not enabled, EC2 answers UnsupportedHibernationConfiguration
 *   ("The instance can't be hibernated because it was not configured at
 *   launch for hibernation", aws-solutions/instance-scheduler-on-aws#510);
 * - a hibernated instance's state reason is `Client.UserInitiatedHibernate`
 *   ("Hibernation was initiated on the instance", StateReason API reference);
 * - "Changing the instance type or size of a hibernated instance" is not
 *   supported (EC2 user guide, "Hibernate your Amazon EC2 instance"). The
 *   code EC2 answers is not documented; the emulator answers
 *   UnsupportedOperation, the documented code for an unsupported request.
 *
 * Not played: the instance type's support and RAM (DescribeInstanceTypes
 * `HibernationSupported`, `MemoryInfo.SizeInMiB`; the root volume must hold
 * the RAM), the AMI's support, and spot. For spot, the current API reference
 * accepts `Configured` (the interruption behaviour defaults to `hibernate`),
 * so the emulator does too; Gantry never asks it of spot.
 *
 * @module
 */
import { SEEDED_IMAGES } from "./images.ts";
import { Ec2ApiError, listStructs, type Params } from "./protocol.ts";

/** StopInstances' and RunInstances' code for hibernation an instance cannot have. */
export const NOT_HIBERNATABLE = "UnsupportedHibernationConfiguration";

/** The state reason of a hibernated instance (StateReason API reference). */
export const HIBERNATED_REASON = {
  code: "Client.UserInitiatedHibernate",
  message: "Client.UserInitiatedHibernate: Hibernation was initiated on the instance.",
};

/**
 * Whether a launch asks for hibernation (`HibernationOptions.Configured`,
 * request over template); refused without an encrypted root volume.
 */
export function hibernationOf(
  input: { imageId: string; request: Params; template: Params },
): boolean {
  const { request, template } = input;
  const configured = request["HibernationOptions.Configured"] ??
    template["HibernationOptions.Configured"];
  if (configured !== "true") return false;
  const mappings = listStructs(request, "BlockDeviceMapping").length > 0
    ? listStructs(request, "BlockDeviceMapping")
    : listStructs(template, "BlockDeviceMapping");
  const rootDevice = SEEDED_IMAGES.find((image) => image.imageId === input.imageId)
    ?.rootDeviceName ?? "/dev/xvda";
  const root = mappings.find((mapping) => mapping.DeviceName === rootDevice);
  if (root?.["Ebs.Encrypted"] !== "true") {
    throw new Ec2ApiError(
      NOT_HIBERNATABLE,
      `Hibernation needs an encrypted EBS root volume; the root volume ${rootDevice} of this ` +
        "launch is not encrypted.",
    );
  }
  return true;
}

/** Refuses StopInstances `Hibernate` when one instance was not enabled for it at launch. */
export function requireHibernatable(
  instances: readonly { instanceId: string; hibernation?: boolean }[],
): void {
  const refused = instances.find((instance) => !instance.hibernation);
  if (!refused) return;
  throw new Ec2ApiError(
    NOT_HIBERNATABLE,
    "The instance can't be hibernated because it was not configured at launch for " +
      `hibernation: ${refused.instanceId}`,
  );
}

/** Refuses ModifyInstanceAttribute's instance type on a hibernated instance. */
export function requireNotHibernated(instance: { instanceId: string; hibernated?: boolean }): void {
  if (!instance.hibernated) return;
  throw new Ec2ApiError(
    "UnsupportedOperation",
    `The instance '${instance.instanceId}' is hibernated: its type cannot be changed.`,
  );
}
