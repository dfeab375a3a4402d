/**
 * Stopping, starting and resizing EC2 instances (StopInstances,
 * StartInstances, ModifyInstanceAttribute), each at most 1,000 ids a call.
 * EC2 answers a repeated stop or start with the instance's state as it is,
 * so every call is safe to repeat; a one-time spot instance cannot be
 * stopped (UnsupportedOperation), which is why stopped pools are on-demand.
 *
 * Hibernation (StopInstances `Hibernate`, EC2 API reference: "Hibernates the
 * instance if the instance was enabled for hibernation at launch. If the
 * instance cannot hibernate successfully, a normal shutdown occurs"). An
 * instance not enabled at launch is refused outright instead, with
 * UnsupportedHibernationConfiguration ("The instance can't be hibernated
 * because it was not configured at launch for hibernation", as EC2 answered in
 * aws-solutions/instance-scheduler-on-aws#510): one launched before its pool
 * had a single size. Those are stopped plainly, as a failed hibernation is.
 */
import {
  DescribeInstancesCommand,
  type EC2Client,
  ModifyInstanceAttributeCommand,
  StartInstancesCommand,
  StopInstancesCommand,
} from "@aws-sdk/client-ec2";
import type { StopStartControl } from "../provider.ts";
import { ec2CodeOf, sendEc2 } from "./ec2_errors.ts";

/** StopInstances' answer for an instance not enabled for hibernation at launch. */
const NOT_HIBERNATABLE = "UnsupportedHibernationConfiguration";

/** The state reason of an instance stopped by hibernation. */
const HIBERNATED = "Client.UserInitiatedHibernate";

/** The most ids one StopInstances or StartInstances takes. */
const MAX_IDS = 1000;

export class Ec2StopStart implements StopStartControl {
  constructor(private readonly ec2: EC2Client) {}

  async stop(ids: readonly string[], options: { hibernate?: boolean } = {}): Promise<void> {
    for (const chunk of chunksOf(ids)) {
      const send = (hibernate: boolean) =>
        this.ec2.send(
          new StopInstancesCommand({
            InstanceIds: chunk,
            ...(hibernate ? { Hibernate: true } : {}),
          }),
        );
      await sendEc2("StopInstances", async () => {
        if (!options.hibernate) return await send(false);
        try {
          return await send(true);
        } catch (error) {
          if (ec2CodeOf(error) !== NOT_HIBERNATABLE) throw error;
          return await send(false);
        }
      });
    }
  }

  async start(ids: readonly string[]): Promise<void> {
    for (const chunk of chunksOf(ids)) {
      await sendEc2(
        "StartInstances",
        () => this.ec2.send(new StartInstancesCommand({ InstanceIds: chunk })),
      );
    }
  }

  /**
   * ModifyInstanceAttribute's instance type, unless the instance is hibernated
   * (EC2 user guide: "Changing the instance type or size of a hibernated
   * instance" is not supported), which its state reason says:
   * `Client.UserInitiatedHibernate` (StateReason API reference).
   */
  async resize(id: string, size: string): Promise<boolean> {
    const answer = await sendEc2(
      "DescribeInstances",
      () => this.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] })),
    );
    const instance = answer.Reservations?.[0]?.Instances?.[0];
    if (instance?.StateReason?.Code === HIBERNATED) return false;
    await sendEc2("ModifyInstanceAttribute", () =>
      this.ec2.send(
        new ModifyInstanceAttributeCommand({ InstanceId: id, InstanceType: { Value: size } }),
      ));
    return true;
  }
}

function chunksOf(ids: readonly string[]): string[][] {
  const chunks: string[][] = [];
  for (let i = 0; i < ids.length; i += MAX_IDS) chunks.push(ids.slice(i, i + MAX_IDS));
  return chunks;
}
