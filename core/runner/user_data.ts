/**
 * The instance's boot script, shared by every instance of one launch call. It
 * carries no runner credentials: only the edge URL and the launch's
 * short-lived batch token. The token alone opens nothing: every request also
 * carries the instance's EC2 identity document and AWS's signature of it
 * (IMDSv2), and the edge hands out or records only for the instance that
 * document names. So the instance fetches its own JIT config once —
 * retrying while the core has not deposited it yet — reports its lifecycle,
 * watches IMDSv2 for a spot interruption notice, and powers off when the
 * runner exits (the launch template's shutdown behaviour is `terminate`).
 * A stopped pool's instance (`isStandby`) differs on its first boot only: it
 * installs the runner, reports `prepared` and waits to be stopped; the script
 * then runs on every boot, and each boot fetches a fresh config. One that
 * hibernates (`hibernates`, shared/launch/standby_wait.ts) does not exit after
 * `prepared`: it keeps asking for its config, the core hibernates it mid-wait,
 * and a start resumes the same loop with its RAM (no boot, no second run), which
 * gets the job's config and starts the runner. Should the hibernation fail, EC2
 * shuts the instance down normally (StopInstances `Hibernate`), and the next
 * boot runs the script again as a stopped pool's does.
 *
 * The JIT config reaches the runner through a file only the runner's user can
 * read (mode 0600), which the runner's own shell turns into
 * `ACTIONS_RUNNER_INPUT_JITCONFIG` (the runner reads its arguments from
 * `ACTIONS_RUNNER_INPUT_*` and removes them from its environment), never argv.
 */
import { DEFAULT_RUNNER_RELEASE, type RunnerInstall } from "./runner_install.ts";

export interface UserDataInput {
  edgeUrl: string;
  /** The launch's batch token (a JWT the edge verifies), shared by its instances. */
  batchToken: string;
  /** Seconds to keep asking for the config (404 until the core deposits it) before giving up. */
  configWaitSeconds?: number;
  /** Download (verified) or pre-installed; the default release when absent. */
  runner?: RunnerInstall;
  /** The instance metadata service; tests point it at a loopback emulator. */
  imdsUrl?: string;
  /** Where things go on the instance; tests move them into a scratch directory. */
  paths?: { runnerHome?: string; log?: string; state?: string; perBoot?: string };
  /**
   * A stopped pool's instance: its first boot installs the runner and reports
   * `prepared` (the core stops it); the script then runs on every boot
   * (cloud-init's per-boot scripts) and each later boot fetches a fresh config.
   */
  isStandby?: boolean;
  /**
   * A stopped pool's instance that hibernates: its first boot, once `prepared`,
   * waits for its config (asking every second) instead of exiting.
   */
  hibernates?: boolean;
  /** Seconds between spot interruption checks. */
  spotPollSeconds?: number;
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}

/** `NAME=value`; a quoted value holding `$` is a literal, which shellcheck is told. */
function assignment(name: string, value: string | number): string {
  const literal = typeof value === "string" && /[$`]/.test(value)
    ? "# shellcheck disable=SC2016 # a literal value, never expanded\n"
    : "";
  return `${literal}${name}=${value}`;
}

/** Renders the user-data script for the instances of one launch. */
export function renderUserData(input: UserDataInput): string {
  const runner = input.runner ?? { kind: "download", release: DEFAULT_RUNNER_RELEASE };
  const release = runner.kind === "download" ? runner.release : DEFAULT_RUNNER_RELEASE;
  // A resumed instance asks within a second; a booting one every 2 s, as before.
  const configPollSeconds = input.isStandby && input.hibernates ? 1 : 2;
  const vars: [string, string | number][] = [
    ["EDGE", shellQuote(input.edgeUrl.replace(/\/$/, ""))],
    ["TOKEN", shellQuote(input.batchToken)],
    ["IMDS", shellQuote((input.imdsUrl ?? "http://169.254.169.254").replace(/\/$/, ""))],
    ["LOG", shellQuote(input.paths?.log ?? "/var/log/gantry-bootstrap.log")],
    ["RUNNER_USER", "runner"],
    ["RUNNER_HOME", shellQuote(input.paths?.runnerHome ?? "/home/runner")],
    ["RUNNER_PREINSTALLED", shellQuote(runner.kind === "preinstalled" ? runner.path : "")],
    ["RUNNER_VERSION", shellQuote(release.version)],
    ["RUNNER_ARCHIVE_BASE", shellQuote(release.archiveBaseUrl.replace(/\/$/, ""))],
    ["RUNNER_SHA256_X64", shellQuote(release.sha256.x64)],
    ["RUNNER_SHA256_ARM64", shellQuote(release.sha256.arm64)],
    ["CONFIG_POLL_SECONDS", configPollSeconds],
    [
      "CONFIG_ATTEMPTS",
      Math.max(1, Math.ceil((input.configWaitSeconds ?? 300) / configPollSeconds)),
    ],
    ["SPOT_POLL_SECONDS", input.spotPollSeconds ?? 5],
    ["STANDBY", shellQuote(input.isStandby ? "1" : "")],
    ["HIBERNATES", shellQuote(input.isStandby && input.hibernates ? "1" : "")],
    ["STATE_DIR", shellQuote(input.paths?.state ?? "/var/lib/gantry")],
    [
      "PER_BOOT",
      shellQuote(input.paths?.perBoot ?? "/var/lib/cloud/scripts/per-boot/gantry-runner.sh"),
    ],
  ];
  return `#!/bin/bash
# Gantry runner bootstrap. Secrets: none but a short-lived batch token, useless without
# this instance's signed identity document, and each instance's config is handed out once.
set -uo pipefail
${vars.map(([name, value]) => assignment(name, value)).join("\n")}
exec > >(tee -a "$LOG") 2>&1

imds() {
  local t
  t=$(curl -sf -X PUT "$IMDS/latest/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 300") || return 1
  curl -sf -H "X-aws-ec2-metadata-token: $t" "$IMDS/latest/$1"
}
SPOT_WATCH=""
halt() {
  if [ -n "$SPOT_WATCH" ]; then kill "$SPOT_WATCH" 2>/dev/null; fi
  shutdown -h now
  exit "$1"
}
INSTANCE_ID=$(imds meta-data/instance-id) || { echo "gantry: no instance id from IMDS"; halt 1; }
# The document's exact bytes travel base64-encoded: AWS signed those bytes.
DOCUMENT=$(imds dynamic/instance-identity/document | base64 -w0) \\
  || { echo "gantry: no identity document from IMDS"; halt 1; }
SIGNATURE=$(imds dynamic/instance-identity/signature | tr -d '\\n') \\
  || { echo "gantry: no identity signature from IMDS"; halt 1; }
IDENTITY=$(printf '"instanceId":"%s","identity":{"document":"%s","signature":"%s"}' \\
  "$INSTANCE_ID" "$DOCUMENT" "$SIGNATURE")

json_string() { python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))'; }
# --max-time: a request in flight as the instance hibernates must not hang once it resumes.
post() { # path, body on stdin; prints the response body, then its status on its own line
  curl -s --max-time 30 -w '\\n%{http_code}' -X POST "$EDGE$1" -H "Authorization: Bearer $TOKEN" \\
    -H "Content-Type: application/json" --data-binary @- || printf '\\n000'
}
report() { # kind [log]
  local log=""
  if [ -n "\${2:-}" ]; then log=",\\"log\\":$(printf '%s' "$2" | json_string)"; fi
  for _ in 1 2 3 4 5; do
    case "$(printf '{%s,"kind":"%s"%s}' "$IDENTITY" "$1" "$log" | post /runner/v1/event | tail -n 1)" in
      2??) return 0 ;;
      404|000|429|5??) sleep 2 ;;
      *) return 1 ;;
    esac
  done
}
# tee writes the log a moment behind this shell: read what it holds first, then add the reason
# itself, so the report never misses it (nor carries it twice). 60,000 leaves room for the reason
# under the edge's 65,536.
fail() {
  local before
  before=$(tail -c 60000 "$LOG")
  echo "gantry: bootstrap failed: $1"
  report bootstrap-failed "$before
gantry: bootstrap failed: $1"
  halt 1
}
# Spot: the two-minute notice appears at spot/instance-action.
( while sleep "$SPOT_POLL_SECONDS"; do
    if imds meta-data/spot/instance-action >/dev/null 2>&1; then report spot-interruption-notice; break; fi
  done ) &
SPOT_WATCH=$!

ensure_user() {
  id -u "$RUNNER_USER" >/dev/null 2>&1 || useradd -m -d "$RUNNER_HOME" "$RUNNER_USER" \\
    || fail "could not create the runner user"
  mkdir -p "$RUNNER_HOME" || fail "no home for the runner user"
}
# Sets RUNNER_DIR. A stopped pool's instance installed it on its first boot: kept as it is.
install_runner() {
  if [ -n "$RUNNER_PREINSTALLED" ]; then
    RUNNER_DIR=$RUNNER_PREINSTALLED
    [ -x "$RUNNER_DIR/run.sh" ] || fail "no run.sh in the pre-installed runner at $RUNNER_DIR"
  else
    case "$(uname -m)" in
      aarch64|arm64) ARCH=arm64; SHA256=$RUNNER_SHA256_ARM64 ;;
      x86_64|amd64) ARCH=x64; SHA256=$RUNNER_SHA256_X64 ;;
      *) fail "no runner release for architecture $(uname -m)" ;;
    esac
    RUNNER_DIR="$RUNNER_HOME/actions-runner"
    if [ -x "$RUNNER_DIR/run.sh" ]; then return 0; fi
    ARCHIVE="$RUNNER_HOME/actions-runner-linux-$ARCH-$RUNNER_VERSION.tar.gz"
    curl -sfL --retry 3 -o "$ARCHIVE" \\
      "$RUNNER_ARCHIVE_BASE/v$RUNNER_VERSION/actions-runner-linux-$ARCH-$RUNNER_VERSION.tar.gz" \\
      || fail "could not download the actions runner $RUNNER_VERSION ($ARCH)"
    echo "$SHA256  $ARCHIVE" | sha256sum -c --status \\
      || fail "the runner archive's SHA-256 is not $SHA256; not unpacking it"
    if ! { mkdir -p "$RUNNER_DIR" && tar xzf "$ARCHIVE" -C "$RUNNER_DIR" && rm -f "$ARCHIVE"; }; then
      fail "could not unpack the actions runner"
    fi
    if [ -x "$RUNNER_DIR/bin/installdependencies.sh" ]; then
      "$RUNNER_DIR/bin/installdependencies.sh" >/dev/null 2>&1 || echo "gantry: installdependencies.sh failed"
    fi
  fi
}

# A stopped pool's instance, first boot: install the runner (the disk is warm from now on),
# register nothing, install this script to run again on every later boot, and tell the core,
# which stops the instance. Each later boot fetches a fresh config below. One that hibernates
# goes on to ask for its config now: the core hibernates it mid-wait, and its start resumes
# the loop below with the runner installed (a failed hibernation is a plain stop: next boot).
if [ -n "$STANDBY" ] && [ ! -e "$STATE_DIR/prepared" ]; then
  ensure_user
  install_runner
  chown -R "$RUNNER_USER:" "$RUNNER_DIR" || fail "could not give the runner its files"
  { mkdir -p "$STATE_DIR" "$(dirname "$PER_BOOT")" && cp "$0" "$PER_BOOT" && chmod 0700 "$PER_BOOT"; } \\
    || fail "could not install the per-boot hook at $PER_BOOT"
  touch "$STATE_DIR/prepared" || fail "could not mark the instance prepared"
  report prepared || fail "the edge did not take the prepared report"
  if [ -z "$HIBERNATES" ]; then
    if [ -n "$SPOT_WATCH" ]; then kill "$SPOT_WATCH" 2>/dev/null; fi
    exit 0
  fi
fi

# 404 means the core has not deposited this instance's config yet: ask again shortly.
# Anything else but 200 (401/403 identity or batch refused, 410 already fetched or expired) is final.
CONFIG=""
LAST="no answer"
for _ in $(seq 1 "$CONFIG_ATTEMPTS"); do
  RESPONSE=$(printf '{%s}' "$IDENTITY" | post /runner/v1/config)
  CODE=\${RESPONSE##*$'\\n'}
  case "$CODE" in
    200) CONFIG=\${RESPONSE%$'\\n'*}; break ;;
    404|000|429|5??) LAST="HTTP $CODE: \${RESPONSE%$'\\n'*}"; sleep "$CONFIG_POLL_SECONDS" ;;
    *) fail "the edge refused this instance's runner config (HTTP $CODE: \${RESPONSE%$'\\n'*})" ;;
  esac
done
[ -n "$CONFIG" ] || fail "no runner config from the edge (last: $LAST)"
report booted

ensure_user
# Written by root under umask 077, then given to the runner's user: never world-readable.
JIT_FILE="$RUNNER_HOME/.gantry-jitconfig"
( umask 077 && printf '%s' "$CONFIG" \\
  | python3 -c 'import json,sys; sys.stdout.write(json.load(sys.stdin)["encodedJitConfig"])' \\
  > "$JIT_FILE" ) || fail "unreadable runner config"
CONFIG=""

install_runner
chown -R "$RUNNER_USER:" "$RUNNER_DIR" "$JIT_FILE" || fail "could not give the runner its files"
cd "$RUNNER_DIR" || fail "no runner directory at $RUNNER_DIR"
report runner-started
# The runner's user reads the file into the runner's input variable and removes it.
# shellcheck disable=SC2016 # expanded by the runner user's shell, not here
sudo -u "$RUNNER_USER" -H -- bash -c \\
  'ACTIONS_RUNNER_INPUT_JITCONFIG=$(cat "$1") && rm -f "$1" && export ACTIONS_RUNNER_INPUT_JITCONFIG && exec ./run.sh' \\
  gantry-runner "$JIT_FILE" || echo "gantry: runner exited with $?"
report runner-finished
halt 0
`;
}
