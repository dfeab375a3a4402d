/**
 * The AWS side of Gantry as one stack: the core host (SSM-managed, IMDSv2
 * only, no inbound rules), the core's role with docs/iam-policy.json (the
 * policy the IAM contract test checks), the runners' instance profile and
 * security group, and the core's config and secrets. Synthesizes offline:
 * the VPC and subnets are parameters, not lookups.
 *
 * @module
 */
import {
  aws_ec2 as ec2,
  aws_iam as iam,
  aws_secretsmanager as secretsmanager,
  CfnOutput,
  CfnParameter,
  Fn,
  Stack,
  type StackProps,
} from "aws-cdk-lib";
import type { Construct } from "constructs";
import { coreHostBootScript } from "./core_host_boot.ts";

/** The runners' role and instance profile; docs/iam-policy.json lets the core pass only this role. */
export const RUNNER_ROLE_NAME = "gantry-runner";

/** What the stack reads from the repository: the core's IAM policy and its systemd unit. */
export interface GantryStackSources {
  /** docs/iam-policy.json, parsed. */
  corePolicy: Record<string, unknown>;
  /** deploy/gantry-core.service, verbatim. */
  coreUnit: string;
}

export class GantryStack extends Stack {
  constructor(scope: Construct, id: string, sources: GantryStackSources, props?: StackProps) {
    super(scope, id, props);
    const p = parametersOf(this);

    const coreSecurityGroup = new ec2.CfnSecurityGroup(this, "CoreSecurityGroup", {
      groupDescription: "Gantry core: no inbound; HTTPS out to the edge, GitHub, libSQL and AWS",
      vpcId: p.vpcId.valueAsString,
      securityGroupEgress: [
        { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIp: "0.0.0.0/0" },
        { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv6: "::/0" },
      ],
    });
    const runnerSecurityGroup = new ec2.CfnSecurityGroup(this, "RunnerSecurityGroup", {
      groupDescription: "Gantry runners: no inbound; any outbound (jobs fetch what they need)",
      vpcId: p.vpcId.valueAsString,
      securityGroupEgress: [
        { ipProtocol: "-1", cidrIp: "0.0.0.0/0" },
        { ipProtocol: "-1", cidrIpv6: "::/0" },
      ],
    });

    const secret = new secretsmanager.Secret(this, "CoreSecret", {
      description:
        "Gantry core secrets as JSON, one file each under /etc/gantry: edge_private_key, github_private_key, database_auth_token",
    });

    const coreRole = new iam.Role(this, "CoreRole", {
      assumedBy: new iam.ServicePrincipal("ec2.amazonaws.com"),
      description: "Gantry core host: launches and reaps runners (docs/iam-policy.json)",
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName("AmazonSSMManagedInstanceCore")],
      inlinePolicies: {
        GantryCore: iam.PolicyDocument.fromJson(sources.corePolicy),
        GantryCoreBoot: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              sid: "ReadTheCoreConfig",
              actions: ["ssm:GetParameter"],
              resources: [
                Fn.sub(
                  "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${Name}",
                  {
                    Name: p.configParameterName.valueAsString,
                  },
                ),
              ],
            }),
            new iam.PolicyStatement({
              sid: "ReadTheCoreSecrets",
              actions: ["secretsmanager:GetSecretValue"],
              resources: [secret.secretArn],
            }),
            new iam.PolicyStatement({
              sid: "ReadTheCoreBinary",
              actions: ["s3:GetObject"],
              resources: [
                Fn.sub("arn:${AWS::Partition}:s3:::${ArtifactBucket}/${CoreBinaryKey}"),
              ],
            }),
          ],
        }),
      },
    });
    const coreProfile = new iam.CfnInstanceProfile(this, "CoreInstanceProfile", {
      roles: [coreRole.roleName],
    });

    // Runners get no AWS permissions at all: a job that needs some uses OIDC to assume its own role.
    const runnerRole = new iam.Role(this, "RunnerRole", {
      roleName: RUNNER_ROLE_NAME,
      assumedBy: new iam.ServicePrincipal("ec2.amazonaws.com"),
      description: "Gantry runners: no permissions (jobs assume their own roles through OIDC)",
    });
    const runnerProfile = new iam.CfnInstanceProfile(this, "RunnerInstanceProfile", {
      instanceProfileName: RUNNER_ROLE_NAME,
      roles: [runnerRole.roleName],
    });

    const host = new ec2.CfnInstance(this, "CoreHost", {
      imageId: p.coreImageId.valueAsString,
      instanceType: p.coreInstanceType.valueAsString,
      subnetId: p.coreSubnetId.valueAsString,
      securityGroupIds: [coreSecurityGroup.attrGroupId],
      iamInstanceProfile: coreProfile.ref,
      // IMDSv2 only; one hop, so no container on the host reaches the role's credentials.
      metadataOptions: {
        httpTokens: "required",
        httpEndpoint: "enabled",
        httpPutResponseHopLimit: 1,
      },
      blockDeviceMappings: [{
        deviceName: "/dev/xvda",
        ebs: { volumeSize: 20, volumeType: "gp3", encrypted: true, deleteOnTermination: true },
      }],
      userData: Fn.base64(Fn.sub(coreHostBootScript(sources.coreUnit), {
        ConfigParameterName: p.configParameterName.valueAsString,
        CoreSecretArn: secret.secretArn,
      })),
      // Never gantry:managed: the core's own reaper would terminate its host.
      tags: [{ key: "Name", value: "gantry-core" }],
    });

    new CfnOutput(this, "RunnerSecurityGroupId", {
      description: "security_groups of every pool",
      value: runnerSecurityGroup.attrGroupId,
    });
    new CfnOutput(this, "RunnerInstanceProfileName", {
      description: "instance_profile of every pool",
      value: runnerProfile.ref,
    });
    new CfnOutput(this, "RunnerSubnets", {
      description: "subnets for the pools",
      value: Fn.join(",", p.runnerSubnetIds.valueAsList),
    });
    new CfnOutput(this, "CoreSecretArn", {
      description: "put the core's secrets here (JSON)",
      value: secret.secretArn,
    });
    new CfnOutput(this, "CoreHostId", {
      description: "aws ssm start-session --target <this>",
      value: host.ref,
    });
  }
}

function parametersOf(stack: Stack) {
  return {
    vpcId: new CfnParameter(stack, "VpcId", {
      type: "AWS::EC2::VPC::Id",
      description: "VPC of the core host and the runners",
    }),
    coreSubnetId: new CfnParameter(stack, "CoreSubnetId", {
      type: "AWS::EC2::Subnet::Id",
      description: "Private subnet of the core host (outbound HTTPS through a NAT gateway)",
    }),
    runnerSubnetIds: new CfnParameter(stack, "RunnerSubnetIds", {
      type: "List<AWS::EC2::Subnet::Id>",
      description: "Subnets the pools launch runners in (one per Availability Zone per pool)",
    }),
    coreImageId: new CfnParameter(stack, "CoreImageId", {
      type: "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
      default: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
      description: "AMI of the core host (Amazon Linux 2023: SSM agent, AWS CLI, python3)",
    }),
    coreInstanceType: new CfnParameter(stack, "CoreInstanceType", {
      type: "String",
      default: "t3.small",
    }),
    artifactBucket: new CfnParameter(stack, "ArtifactBucket", {
      type: "String",
      description: "S3 bucket holding the gantry-core binary",
    }),
    coreBinaryKey: new CfnParameter(stack, "CoreBinaryKey", {
      type: "String",
      default: "gantry-core/gantry-core",
    }),
    coreBinarySha256: new CfnParameter(stack, "CoreBinarySha256", {
      type: "String",
      allowedPattern: "^[0-9a-f]{64}$",
      description: "SHA-256 of the binary (sha256sum dist/gantry-core); checked before install",
    }),
    configParameterName: new CfnParameter(stack, "ConfigParameterName", {
      type: "String",
      default: "/gantry/core/config",
      allowedPattern: "^/[A-Za-z0-9_./-]+$",
      description: "SSM parameter holding gantry.yaml (secrets stay in the secret, as *_file keys)",
    }),
  };
}
