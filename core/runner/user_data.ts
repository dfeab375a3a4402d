/**
 * The instance's boot script, shared by every instance of one launch call. It
 * carries no runner credentials: only the edge URL and the launch's
 * short-lived batch token. With it and its own instance id (IMDSv2) the
 * instance fetches its JIT config once from the edge — retrying while the
 * core has not deposited it yet — reports its lifecycle, watches IMDSv2 for a
 * spot interruption notice, and powers off when the runner exits (the launch
 * template's shutdown behaviour is `terminate`).
 */
export const RUNNER_VERSION = "2.329.0";

export interface UserDataInput {
  edgeUrl: string;
  /** The launch's batch token (a JWT the edge verifies), shared by its instances. */
  batchToken: string;
  /** Seconds to keep asking for the config (404 until the core deposits it) before giving up. */
  configWaitSeconds?: number;
  runnerVersion?: string;
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}

/** Renders the user-data script for the instances of one launch. */
export function renderUserData(input: UserDataInput): string {
  const version = input.runnerVersion ?? RUNNER_VERSION;
  return `#!/bin/bash
# Gantry runner bootstrap. Secrets: none but a short-lived batch token, useless without
# this instance's id, and each instance's config is handed out once.
set -uo pipefail
EDGE=${shellQuote(input.edgeUrl.replace(/\/$/, ""))}
TOKEN=${shellQuote(input.batchToken)}
LOG=/var/log/gantry-bootstrap.log
exec > >(tee -a "$LOG") 2>&1

imds() {
  local t
  t=$(curl -sf -X PUT http://169.254.169.254/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 300")
  curl -sf -H "X-aws-ec2-metadata-token: $t" "http://169.254.169.254/latest/$1"
}
INSTANCE_ID=$(imds meta-data/instance-id)

json_string() { python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))'; }
report() { # kind [log]
  local body="{\\"instanceId\\":\\"$INSTANCE_ID\\",\\"kind\\":\\"$1\\"}"
  if [ -n "\${2:-}" ]; then
    body="{\\"instanceId\\":\\"$INSTANCE_ID\\",\\"kind\\":\\"$1\\",\\"log\\":$(printf '%s' "$2" | json_string)}"
  fi
  curl -sf --retry 5 -X POST "$EDGE/runner/v1/event" -H "Authorization: Bearer $TOKEN" \\
    -H "Content-Type: application/json" -d "$body" >/dev/null || true
}
fail() {
  echo "gantry: bootstrap failed: $1"
  report bootstrap-failed "$(tail -c 65536 "$LOG")"
  shutdown -h now
  exit 1
}
# Spot: the two-minute notice appears at spot/instance-action.
( while sleep 5; do
    if imds meta-data/spot/instance-action >/dev/null 2>&1; then report spot-interruption-notice; break; fi
  done ) &

# 404 means the core has not deposited this instance's config yet: ask again shortly.
# Anything else but 200 (401 another batch, 410 already fetched or expired) is final.
CONFIG=""
for _ in $(seq 1 ${Math.ceil((input.configWaitSeconds ?? 300) / 2)}); do
  RESPONSE=$(curl -s -w '\\n%{http_code}' -X POST "$EDGE/runner/v1/config" \
    -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \
    -d "{\"instanceId\":\"$INSTANCE_ID\"}") || RESPONSE=$'\\n000'
  CODE=\${RESPONSE##*$'\\n'}
  case "$CODE" in
    200) CONFIG=\${RESPONSE%$'\\n'*}; break ;;
    404|000|429|5??) sleep 2 ;;
    *) fail "the edge refused this instance's runner config (HTTP $CODE)" ;;
  esac
done
[ -n "$CONFIG" ] || fail "no runner config from the edge"
report booted
JIT=$(printf '%s' "$CONFIG" | python3 -c 'import json,sys; print(json.load(sys.stdin)["encodedJitConfig"])') \\
  || fail "unreadable runner config"

useradd -m runner 2>/dev/null || true
cd /home/runner || fail "no home for the runner user"
case "$(uname -m)" in aarch64) ARCH=arm64 ;; *) ARCH=x64 ;; esac
curl -sfL -o runner.tgz \\
  "https://github.com/actions/runner/releases/download/v${version}/actions-runner-linux-$ARCH-${version}.tar.gz" \\
  || fail "could not download the actions runner"
tar xzf runner.tgz && rm runner.tgz || fail "could not unpack the actions runner"
chown -R runner:runner /home/runner
./bin/installdependencies.sh >/dev/null 2>&1 || true
report runner-started
sudo -u runner ./run.sh --jitconfig "$JIT" || echo "gantry: runner exited with $?"
report runner-finished
shutdown -h now
`;
}
