#!/usr/bin/env bash
# Installs the Debian packages listed in scripts/packages.txt that are missing.
# Runs `apt-get update` once, and only when something is missing; uses sudo when not root.
# AUTHWIRE_DEPS_LIST=<file> reads another list; AUTHWIRE_DEPS_DRY_RUN=1 only prints the commands.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
list="${AUTHWIRE_DEPS_LIST:-$here/packages.txt}"

missing=()
while read -r line || [ -n "$line" ]; do
  pkg="${line%%#*}"
  pkg="${pkg//[[:space:]]/}"
  [ -n "$pkg" ] || continue
  status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
  [ "$status" = "install ok installed" ] || missing+=("$pkg")
done < "$list"

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all $(grep -cv '^\s*\(#\|$\)' "$list") packages are installed"
  exit 0
fi

echo "deps: installing ${missing[*]}"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deps: not root and no sudo; install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
if [ "${AUTHWIRE_DEPS_DRY_RUN:-0}" = 1 ]; then
  sudo=(echo "${sudo[@]}")
fi
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
