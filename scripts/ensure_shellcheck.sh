#!/usr/bin/env bash
# A step of `deno task ci`: the runner boot script (core/runner/user_data.ts)
# is checked with Debian's shellcheck (core/runner/user_data_shellcheck_test.ts).
# Installs it with apt-get only when it is missing, and only as root (or with
# passwordless sudo); otherwise says how, and that test fails with the same hint.
set -euo pipefail

if command -v shellcheck >/dev/null 2>&1; then
  exit 0
fi

if [ "$(id -u)" = "0" ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "ensure_shellcheck: shellcheck is missing and this user cannot install it." >&2
  echo "ensure_shellcheck: run 'sudo apt-get update && sudo apt-get install -y shellcheck'." >&2
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure_shellcheck: shellcheck is missing and there is no apt-get; install it there." >&2
  exit 0
fi

echo "ensure_shellcheck: installing Debian's shellcheck (the boot script is checked with it)…" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq shellcheck >/dev/null
shellcheck --version >&2
