#!/usr/bin/env bash
# The full test suite: installs missing Debian packages, then configures, builds and tests
# with the "dev" preset (g++, Debug, warnings as errors) into build/dev.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/deps.sh"
cd "$root"
exec cmake --workflow --preset dev
