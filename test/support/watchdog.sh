#!/usr/bin/env bash
# Runs one child of a test (workerd, an emulator, a core) so that it cannot
# outlive the test runner: started under `setsid`, this shell leads a new
# process group holding the child and everything the child starts. When the
# runner's pid is gone (it crashed, or was SIGKILLed) the whole group gets
# SIGTERM, then SIGKILL. Signals sent to the group reach the child directly,
# so this shell only waits for it and passes its exit status on.
# Usage: setsid bash watchdog.sh RUNNER_PID COMMAND [ARGS...]
runner=$1
shift
"$@" &
child=$!
# Trapped (not ignored, which the child would inherit): keep waiting for the child.
trap ':' TERM INT HUP
while kill -0 "$child" 2>/dev/null; do
  if ! kill -0 "$runner" 2>/dev/null; then
    kill -TERM 0
    sleep 3
    kill -KILL 0
  fi
  sleep 1 &
  wait -n "$child" $! 2>/dev/null
done
wait "$child"
