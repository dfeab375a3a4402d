/**
 * The launch template version quota, as the emulator keeps it: EC2 user
 * guide, "Launch template restrictions"
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/launch-template-restrictions.html):
 * 10,000 versions per launch template. A test sets a small limit.
 */
import {
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  DeleteLaunchTemplateVersionsCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import assert from "node:assert/strict";
import { MAX_TEMPLATE_VERSIONS } from "./launch_templates.ts";
import { withEmulator } from "./sdk_clients.ts";

const AMI = "ami-0123456789abcdef0";

function addVersion(ec2: EC2Client, id: string, n: number) {
  return ec2.send(
    new CreateLaunchTemplateVersionCommand({
      LaunchTemplateId: id,
      SourceVersion: "1",
      LaunchTemplateData: { UserData: btoa(`batch ${n}`) },
    }),
  );
}

Deno.test("the default quota is AWS's 10,000 versions per template", () => {
  assert.equal(MAX_TEMPLATE_VERSIONS, 10_000);
});

Deno.test("a template at its version limit refuses another version until one is deleted", async () => {
  await withEmulator(async (emulator, ec2) => {
    const created = await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: "limited",
        LaunchTemplateData: { ImageId: AMI },
      }),
    );
    const id = created.LaunchTemplate!.LaunchTemplateId!;
    for (let n = 2; n <= 5; n++) {
      const made = await addVersion(ec2, id, n);
      assert.equal(made.LaunchTemplateVersion?.VersionNumber, n);
    }
    await assert.rejects(addVersion(ec2, id, 6), (error: Error) => {
      assert.equal(error.name, "LaunchTemplateVersionLimitExceeded");
      assert.match(error.message, /already has 5 versions/);
      return true;
    });
    assert.equal(emulator.launchTemplates()[0].versions.length, 5);

    // Deleted versions free their room; numbers keep counting up.
    await ec2.send(
      new DeleteLaunchTemplateVersionsCommand({ LaunchTemplateId: id, Versions: ["2", "3"] }),
    );
    assert.equal((await addVersion(ec2, id, 6)).LaunchTemplateVersion?.VersionNumber, 6);
    assert.equal((await addVersion(ec2, id, 7)).LaunchTemplateVersion?.VersionNumber, 7);
    await assert.rejects(addVersion(ec2, id, 8), { name: "LaunchTemplateVersionLimitExceeded" });
  }, { maxTemplateVersions: 5 });
});
