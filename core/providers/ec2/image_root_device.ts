/**
 * Root device names of AMIs, read with DescribeImages (`RootDeviceName`):
 * `/dev/xvda` on Amazon Linux, `/dev/sda1` on Ubuntu, whatever the image
 * says elsewhere. An AMI never changes once registered, so each is asked
 * once per process; a failed lookup is not cached and is asked again.
 */
import { DescribeImagesCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { NotFoundError } from "../../../shared/errors.ts";

/** Looks up and remembers the root device name of each AMI. */
export class ImageRootDevices {
  readonly #ec2: EC2Client;
  readonly #names = new Map<string, Promise<string>>();

  constructor(ec2: EC2Client) {
    this.#ec2 = ec2;
  }

  /**
   * The root device name of `ami`.
   * @throws {NotFoundError} when EC2 answers without the image or its root device.
   * Errors of the call itself (InvalidAMIID.NotFound, throttling) pass through for the caller to classify.
   */
  rootDeviceOf(ami: string): Promise<string> {
    const known = this.#names.get(ami);
    if (known) return known;
    const lookup = this.#describe(ami);
    this.#names.set(ami, lookup);
    lookup.catch(() => this.#names.delete(ami));
    return lookup;
  }

  async #describe(ami: string): Promise<string> {
    const { Images = [] } = await this.#ec2.send(new DescribeImagesCommand({ ImageIds: [ami] }));
    const name = Images.find((image) => image.ImageId === ami)?.RootDeviceName;
    if (!name) {
      throw new NotFoundError(
        `EC2 describes no root device for ${ami}; check that the AMI exists in this region ` +
          `and is shared with this account`,
      );
    }
    return name;
  }
}
