/**
 * The instance's boot script: install the official actions runner, start it
 * with its just-in-time config, and power off when it exits (the launch
 * template's shutdown behaviour is `terminate`, so the instance goes away).
 */
export const RUNNER_VERSION = "2.329.0";

export interface UserDataInput {
  /** The base64 JIT config GitHub returned for this runner. */
  encodedJitConfig: string;
  runnerVersion?: string;
}

/** Renders the user-data script for one runner. */
export function renderUserData(input: UserDataInput): string {
  const version = input.runnerVersion ?? RUNNER_VERSION;
  if (!/^[A-Za-z0-9+/=]+$/.test(input.encodedJitConfig)) {
    throw new Error("JIT config must be base64");
  }
  return `#!/bin/bash
set -euo pipefail
# IMDSv2 only: every metadata read needs a session token.
IMDS_TOKEN=$(curl -sf -X PUT http://169.254.169.254/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 300")
INSTANCE_ID=$(curl -sf -H "X-aws-ec2-metadata-token: $IMDS_TOKEN" http://169.254.169.254/latest/meta-data/instance-id)
echo "gantry: booting runner on $INSTANCE_ID"
useradd -m runner 2>/dev/null || true
cd /home/runner
case "$(uname -m)" in aarch64) ARCH=arm64 ;; *) ARCH=x64 ;; esac
curl -sfL -o runner.tgz "https://github.com/actions/runner/releases/download/v${version}/actions-runner-linux-\${ARCH}-${version}.tar.gz"
tar xzf runner.tgz && rm runner.tgz
chown -R runner:runner /home/runner
./bin/installdependencies.sh || true
sudo -u runner ./run.sh --jitconfig '${input.encodedJitConfig}' || true
shutdown -h now
`;
}
