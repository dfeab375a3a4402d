#!/usr/bin/env bash
# Installs a Debian package that a test step needs when its command is
# missing, with apt-get, and only as root (or with passwordless sudo);
# otherwise says how and exits 0, so the tests that need it fail with the
# same hint. Usage: ensure_debian_package.sh <command path or name> <package> <what needs it>
#
# `deno task ci` starts with two: Debian's Chromium (/usr/bin/chromium), which
# the console tests drive through playwright-core (`npx playwright install`
# cannot download a browser on our build machines; test/support/browser.ts
# gives the same hint), and shellcheck, which checks the runner boot script
# (core/runner/user_data_shellcheck_test.ts).
set -euo pipefail

command=$1 package=$2 why=$3

if command -v "$command" >/dev/null 2>&1; then
  exit 0
fi

if [ "$(id -u)" = "0" ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "ensure: $command is missing and this user cannot install it." >&2
  echo "ensure: run 'sudo apt-get update && sudo apt-get install -y $package'; $why fail until then." >&2
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure: $command is missing and there is no apt-get; install $package there." >&2
  exit 0
fi

echo "ensure: installing Debian's $package ($why need it)…" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq "$package" >/dev/null
"$command" --version >&2
