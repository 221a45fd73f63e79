#!/usr/bin/env bash
# Makes sure a Chromium the browser tests can drive (through playwright-core) is installed:
# Debian's own package, because Playwright's browser downloads are not reachable from every
# network this runs on. Idempotent and quiet when Chromium is already there.
# Prints the browser's path on its last line. DW_CHROMIUM overrides the path (nothing is installed then).
set -euo pipefail
bin="${DW_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$bin" ]; then
  echo "$bin"; exit 0
fi
if [ -n "${DW_CHROMIUM:-}" ]; then
  echo "ensure-chromium: DW_CHROMIUM=$bin is not an executable" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: $bin is missing and apt-get is not available; install Chromium and set DW_CHROMIUM to its path" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo -n"; else
    echo "ensure-chromium: installing Chromium needs root (apt-get install chromium); run as root or set DW_CHROMIUM" >&2
    exit 1
  fi
fi
echo "ensure-chromium: installing Debian's chromium package (once per machine)" >&2
export DEBIAN_FRONTEND=noninteractive
log="$(mktemp)"
if ! { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends chromium; } >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  rm -f "$log"
  echo "ensure-chromium: apt-get install chromium failed" >&2
  exit 1
fi
rm -f "$log"
if [ ! -x "$bin" ]; then
  echo "ensure-chromium: the chromium package installed but $bin is missing" >&2
  exit 1
fi
echo "$bin"
