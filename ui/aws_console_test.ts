import assert from "node:assert/strict";
import { instanceConsoleUrl, regionOfZone } from "./aws_console.ts";

Deno.test("an availability zone names its region, local zones included", () => {
  const cases: [string | null, string | null][] = [
    ["us-east-1a", "us-east-1"],
    ["eu-central-2c", "eu-central-2"],
    ["us-west-2-lax-1a", "us-west-2"],
    ["us-gov-west-1b", "us-gov-west-1"],
    ["cn-north-1a", "cn-north-1"],
    ["nowhere", null],
    [null, null],
  ];
  for (const [zone, region] of cases) assert.equal(regionOfZone(zone), region, String(zone));
});

Deno.test("an instance links to the AWS console of its region and partition", () => {
  assert.equal(
    instanceConsoleUrl("i-0aaa000000000004", "eu-west-1"),
    "https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#InstanceDetails:instanceId=i-0aaa000000000004",
  );
  assert.equal(
    instanceConsoleUrl("i-1", "cn-north-1"),
    "https://console.amazonaws.cn/ec2/home?region=cn-north-1#InstanceDetails:instanceId=i-1",
  );
  assert.equal(
    instanceConsoleUrl("i-1", "us-gov-west-1"),
    "https://console.amazonaws-us-gov.com/ec2/home?region=us-gov-west-1#InstanceDetails:instanceId=i-1",
  );
});
