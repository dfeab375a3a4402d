/**
 * The AWS stack (deploy/aws), synthesized offline with the real aws-cdk-lib
 * and checked through its assertions API: the core host has no way in but
 * SSM, IMDSv2 only; its role carries docs/iam-policy.json verbatim (the
 * policy the IAM contract test checks) plus reads of exactly its own config,
 * secret and binary; the runners' role has no permissions; both security
 * groups have no inbound rules; the boot script parses and installs the unit.
 */
import { App, BootstraplessSynthesizer } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import assert from "node:assert/strict";
import { GantryStack, RUNNER_ROLE_NAME } from "../../deploy/aws/gantry_stack.ts";
import { BOOT_PLACEHOLDERS } from "../../deploy/aws/core_host_boot.ts";

const ROOT = new URL("../../", import.meta.url);
const corePolicy = JSON.parse(await Deno.readTextFile(new URL("docs/iam-policy.json", ROOT)));
const coreUnit = await Deno.readTextFile(new URL("deploy/gantry-core.service", ROOT));

const app = new App();
const stack = new GantryStack(app, "Gantry", { corePolicy, coreUnit }, {
  synthesizer: new BootstraplessSynthesizer(),
});
const template = Template.fromStack(stack);
const json = template.toJSON();

type Resource = { Type: string; Properties: Record<string, unknown> };
function resourcesOf(type: string): [string, Resource][] {
  return Object.entries(json.Resources as Record<string, Resource>).filter(([, r]) =>
    r.Type === type
  );
}

function userData(): { script: string; variables: Record<string, unknown> } {
  const [[, host]] = resourcesOf("AWS::EC2::Instance");
  const sub = (host.Properties.UserData as { "Fn::Base64": { "Fn::Sub": [string, object] } })[
    "Fn::Base64"
  ]["Fn::Sub"];
  return { script: sub[0], variables: sub[1] as Record<string, unknown> };
}

Deno.test("the VPC, subnets and core AMI are parameters, so the stack synthesizes offline", () => {
  template.hasParameter("VpcId", { Type: "AWS::EC2::VPC::Id" });
  template.hasParameter("CoreSubnetId", { Type: "AWS::EC2::Subnet::Id" });
  template.hasParameter("RunnerSubnetIds", { Type: "List<AWS::EC2::Subnet::Id>" });
  template.hasParameter("CoreImageId", {
    Type: "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
    Default: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
  });
  template.hasParameter("CoreBinarySha256", { AllowedPattern: "^[0-9a-f]{64}$" });
  // No CDK bootstrap stack is needed: plain CloudFormation can deploy the template.
  assert.equal(json.Parameters.BootstrapVersion, undefined);
});

Deno.test("the core host is SSM-managed, IMDSv2 only, with no key pair and no inbound rule", () => {
  template.resourceCountIs("AWS::EC2::Instance", 1);
  template.hasResourceProperties("AWS::EC2::Instance", {
    MetadataOptions: { HttpTokens: "required", HttpPutResponseHopLimit: 1 },
    KeyName: Match.absent(),
    SubnetId: { Ref: "CoreSubnetId" },
    ImageId: { Ref: "CoreImageId" },
    BlockDeviceMappings: [{ Ebs: Match.objectLike({ Encrypted: true }) }],
    // Tagged gantry:managed, the core's own reaper would terminate it.
    Tags: [{ Key: "Name", Value: "gantry-core" }],
  });
  const [[, role]] = resourcesOf("AWS::IAM::Role").filter(([id]) => id.startsWith("CoreRole"));
  assert.deepEqual(role.Properties.ManagedPolicyArns, [{
    "Fn::Join": ["", [
      "arn:",
      { Ref: "AWS::Partition" },
      ":iam::aws:policy/AmazonSSMManagedInstanceCore",
    ]],
  }]);
  template.resourceCountIs("AWS::EC2::SecurityGroupIngress", 0);
  for (const [id, group] of resourcesOf("AWS::EC2::SecurityGroup")) {
    assert.equal(group.Properties.SecurityGroupIngress, undefined, `${id} has no inbound rule`);
  }
});

Deno.test("the core's security group lets out HTTPS only; the runners' any traffic out, none in", () => {
  template.hasResourceProperties("AWS::EC2::SecurityGroup", {
    GroupDescription: Match.stringLikeRegexp("^Gantry core"),
    VpcId: { Ref: "VpcId" },
    SecurityGroupEgress: [
      { IpProtocol: "tcp", FromPort: 443, ToPort: 443, CidrIp: "0.0.0.0/0" },
      { IpProtocol: "tcp", FromPort: 443, ToPort: 443, CidrIpv6: "::/0" },
    ],
  });
  template.hasResourceProperties("AWS::EC2::SecurityGroup", {
    GroupDescription: Match.stringLikeRegexp("^Gantry runners"),
    VpcId: { Ref: "VpcId" },
    SecurityGroupEgress: [
      { IpProtocol: "-1", CidrIp: "0.0.0.0/0" },
      { IpProtocol: "-1", CidrIpv6: "::/0" },
    ],
  });
  template.hasOutput("RunnerSecurityGroupId", Match.anyValue());
});

Deno.test("the core's role carries docs/iam-policy.json verbatim and reads only its own config", () => {
  const [[, role]] = resourcesOf("AWS::IAM::Role").filter(([id]) => id.startsWith("CoreRole"));
  const policies = role.Properties.Policies as { PolicyName: string; PolicyDocument: unknown }[];
  assert.deepEqual(policies.map((p) => p.PolicyName), ["GantryCore", "GantryCoreBoot"]);
  assert.deepEqual(policies[0].PolicyDocument, corePolicy);
  const boot = policies[1].PolicyDocument as {
    Statement: { Sid: string; Action: string; Resource: unknown }[];
  };
  assert.deepEqual(
    boot.Statement.map((s) => [s.Sid, s.Action]),
    [
      ["ReadTheCoreConfig", "ssm:GetParameter"],
      ["ReadTheCoreSecrets", "secretsmanager:GetSecretValue"],
      ["ReadTheCoreBinary", "s3:GetObject"],
    ],
  );
  const [[secretId]] = resourcesOf("AWS::SecretsManager::Secret");
  assert.deepEqual(boot.Statement[1].Resource, { Ref: secretId });
  assert.ok(
    boot.Statement.every((s) => s.Resource !== "*"),
    "no boot permission on every resource",
  );
});

Deno.test("the runners' instance profile is the role the core may pass, with no permissions", () => {
  const runnerRoles = resourcesOf("AWS::IAM::Role").filter(([, r]) =>
    r.Properties.RoleName === RUNNER_ROLE_NAME
  );
  assert.equal(runnerRoles.length, 1);
  const [[roleId, role]] = runnerRoles;
  assert.equal(role.Properties.Policies, undefined);
  assert.equal(role.Properties.ManagedPolicyArns, undefined);
  assert.deepEqual(role.Properties.AssumeRolePolicyDocument, {
    Version: "2012-10-17",
    Statement: [{
      Action: "sts:AssumeRole",
      Effect: "Allow",
      Principal: { Service: "ec2.amazonaws.com" },
    }],
  });
  template.resourceCountIs("AWS::IAM::Policy", 0);
  template.hasResourceProperties("AWS::IAM::InstanceProfile", {
    InstanceProfileName: RUNNER_ROLE_NAME,
    Roles: [{ Ref: roleId }],
  });
  // The same name the policy's PassOnlyTheRunnerRole statement allows, and no other.
  const pass = corePolicy.Statement.find((s: { Sid: string }) => s.Sid === "PassOnlyTheRunnerRole");
  assert.equal(pass.Resource, `arn:aws:iam::*:role/${RUNNER_ROLE_NAME}`);
});

Deno.test("the boot script installs the unit verbatim, checks the binary and parses in bash", async () => {
  const { script, variables } = userData();
  assert.ok(script.includes(coreUnit), "deploy/gantry-core.service is installed as it is");
  assert.match(script, /sha256sum --check --strict/);
  assert.match(script, /ExecStartPre=\+\/usr\/local\/libexec\/gantry-fetch-config/);
  assert.match(script, /systemctl enable gantry-core/);
  // A core that cannot start yet (no secret, no edge) keeps retrying instead of giving up.
  assert.match(script, /\[Unit\]\n(#.*\n)?StartLimitIntervalSec=0\n/);
  // Every placeholder is a stack parameter, a pseudo parameter or an explicit variable.
  const used = [...new Set([...script.matchAll(/\$\{([^}!]+)\}/g)].map((m) => m[1]))].sort();
  assert.deepEqual(used, [...BOOT_PLACEHOLDERS].sort());
  for (const name of used) {
    assert.ok(
      name.startsWith("AWS::") || name in variables || name in json.Parameters,
      `${name} is filled by Fn::Sub`,
    );
  }
  // Filled in, the script and the helper it writes are valid bash.
  const filled = script.replaceAll(/\$\{[^}]+\}/g, "value");
  const check = await new Deno.Command("bash", { args: ["-n"], stdin: "piped", stderr: "piped" })
    .spawn();
  const writer = check.stdin.getWriter();
  await writer.write(new TextEncoder().encode(filled));
  await writer.close();
  const { code, stderr } = await check.output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
});
