/**
 * The core host's boot script (EC2 user data) and the helper it installs.
 * Plain text with CloudFormation `${Name}` placeholders, filled by `Fn::Sub`
 * in the stack; the script itself uses no `${…}` of its own for that reason.
 * It holds names only, never a secret: instance metadata (and so user data)
 * is readable by anything on the host.
 *
 * @module
 */

/** The placeholders the boot script expects `Fn::Sub` to fill. */
export const BOOT_PLACEHOLDERS = [
  "AWS::Region",
  "ArtifactBucket",
  "CoreBinaryKey",
  "CoreBinarySha256",
  "ConfigParameterName",
  "CoreSecretArn",
] as const;

/**
 * Runs before every start of the core (systemd `ExecStartPre=+`, as root):
 * the YAML config from SSM Parameter Store, and each key of the Secrets
 * Manager secret's JSON as a file `/etc/gantry/<key>` readable by the
 * `gantry` group only, so the config names them with `*_file` keys. Rotating
 * a secret is `put-secret-value` and a restart.
 */
export const FETCH_CONFIG_SCRIPT = `#!/bin/bash
set -euo pipefail
umask 027
REGION='\${AWS::Region}'
aws ssm get-parameter --region "$REGION" --name '\${ConfigParameterName}' --with-decryption \\
  --query Parameter.Value --output text > /etc/gantry/gantry.yaml.new
mv /etc/gantry/gantry.yaml.new /etc/gantry/gantry.yaml
aws secretsmanager get-secret-value --region "$REGION" --secret-id '\${CoreSecretArn}' \\
  --query SecretString --output text | python3 -c '
import grp, json, os, re, sys
gid = grp.getgrnam("gantry").gr_gid
for name, value in json.load(sys.stdin).items():
    if not re.fullmatch(r"[a-z0-9_]+", name):
        sys.exit("secret key " + repr(name) + " is not a file name: use [a-z0-9_]")
    path = "/etc/gantry/" + name
    fd = os.open(path + ".new", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    os.fchown(fd, 0, gid)
    os.write(fd, value.encode())
    os.close(fd)
    os.replace(path + ".new", path)
'
chgrp gantry /etc/gantry/gantry.yaml
`;

/** A systemd drop-in: the AWS-specific part of the unit (deploy/gantry-core.service stays generic). */
export const UNIT_DROP_IN = `[Unit]
# Until the secret and the edge are in place the core cannot start; keep trying, never give up.
StartLimitIntervalSec=0

[Service]
Environment=GANTRY_AWS_REGION=\${AWS::Region}
ExecStartPre=+/usr/local/libexec/gantry-fetch-config
RestartSec=10
`;

/**
 * The user data: the gantry user, the binary (checked against its SHA-256
 * before it is installed), the fetch helper, the unit and its drop-in, then
 * `enable --now`. Every step is safe to repeat.
 */
export function coreHostBootScript(unit: string): string {
  return `#!/bin/bash
# Gantry core host bootstrap (CloudFormation user data; deploy/aws/core_host_boot.ts).
set -euo pipefail
id gantry >/dev/null 2>&1 || useradd --system --home-dir /var/lib/gantry --shell /sbin/nologin gantry
install -d -m 0750 -o root -g gantry /etc/gantry
install -d -m 0755 /usr/local/libexec /etc/systemd/system/gantry-core.service.d

download=$(mktemp)
aws s3 cp --region '\${AWS::Region}' 's3://\${ArtifactBucket}/\${CoreBinaryKey}' "$download"
echo '\${CoreBinarySha256}  '"$download" | sha256sum --check --strict -
install -m 0755 "$download" /usr/local/bin/gantry-core
rm -f "$download"

cat > /usr/local/libexec/gantry-fetch-config <<'GANTRY_FETCH'
${FETCH_CONFIG_SCRIPT}GANTRY_FETCH
chmod 0755 /usr/local/libexec/gantry-fetch-config

cat > /etc/systemd/system/gantry-core.service <<'GANTRY_UNIT'
${unit}GANTRY_UNIT
cat > /etc/systemd/system/gantry-core.service.d/aws.conf <<'GANTRY_DROP_IN'
${UNIT_DROP_IN}GANTRY_DROP_IN

systemctl daemon-reload
systemctl enable gantry-core
systemctl restart gantry-core
`;
}
