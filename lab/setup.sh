#!/usr/bin/env bash
# Installs what stackbook needs on a Debian 12 machine with Node.js 20: Debian packages, then npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

packages=(
  build-essential python3 # sqlite3's native build
  procps iproute2         # ps / ss in tests and the lab
  ipmitool                # the ipmi driver speaks to BMCs through it
  openipmi                # ipmi_sim: the lab's simulated BMCs
)
# Extra Debian packages for this run (CI adds the browser its end-to-end tests drive).
read -r -a extra <<< "${STACKBOOK_EXTRA_PACKAGES:-}"
packages+=("${extra[@]}")
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  as_root apt-get update
  # A concurrent apt run holds the archive lock; the lock timeout does not cover it, so try again.
  for try in 1 2 3; do
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" && break
    [ "$try" = 3 ] && exit 1
    sleep 10
  done
fi

node -e 'const [major] = process.versions.node.split(".").map(Number); if (major < 20) { console.error("stackbook needs Node.js 20 or newer"); process.exit(1); }'
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
# The web notebook the server serves at /.
npm run build:web
