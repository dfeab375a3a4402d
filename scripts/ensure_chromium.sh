#!/usr/bin/env bash
# First step of `deno task ci`: the console's tests drive Debian's Chromium
# (/usr/bin/chromium) through playwright-core; `npx playwright install` cannot
# download a browser on our build machines. Installs it with apt-get only when
# it is missing, and only as root (or with passwordless sudo); otherwise says
# how, and the console tests fail with the same hint (test/support/browser.ts).
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  exit 0
fi

if [ "$(id -u)" = "0" ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "ensure_chromium: $CHROMIUM is missing and this user cannot install it." >&2
  echo "ensure_chromium: run 'sudo apt-get update && sudo apt-get install -y chromium';" >&2
  echo "ensure_chromium: the console tests (test/ui/) fail until then." >&2
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure_chromium: $CHROMIUM is missing and there is no apt-get; install Chromium there." >&2
  exit 0
fi

echo "ensure_chromium: installing Debian's chromium (console tests need it)…" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq chromium >/dev/null
"$CHROMIUM" --version >&2
