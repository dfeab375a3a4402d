#!/usr/bin/env bash
# Ends a test's child process group when the test runner dies: test/support/
# process.ts starts each child under `setsid` (so it leads its own group, with
# everything it starts, such as wrangler's workerd) and this watchdog beside it.
# When the runner's pid is gone (it crashed, or was SIGKILLed) the group gets
# SIGTERM, then SIGKILL; when the group is gone, the watchdog exits.
# Usage: bash watchdog.sh RUNNER_PID GROUP_ID
runner=$1
group=$2
# The child calls setsid only once it runs, which may be after this watchdog
# starts: wait for its group to exist (up to 30 s) before watching it.
for _ in $(seq 300); do
  kill -0 -- "-$group" 2>/dev/null && break
  sleep 0.1
done
while kill -0 -- "-$group" 2>/dev/null; do
  if ! kill -0 "$runner" 2>/dev/null; then
    kill -TERM -- "-$group" 2>/dev/null
    sleep 3
    kill -KILL -- "-$group" 2>/dev/null
    exit 0
  fi
  sleep 0.5
done
