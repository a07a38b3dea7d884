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

# Node.js is not installed from here: Debian 12's own nodejs package is 18, too old (README: "Node.js 20").
if ! command -v node >/dev/null || ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 17) ? 0 : 1)'; then
  echo "stackbook needs Node.js 20.17 or newer; found: $(node --version 2>/dev/null || echo 'no node')." >&2
  echo "Debian 12's nodejs package is 18: install Node.js 20 as README.md's 'Two commands' says, then run this again." >&2
  exit 1
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
# The web notebook the server serves at /.
npm run build:web
# The example datacentre's secrets (placeholders), so its runbooks run as the README shows.
if [ ! -f datacentres/example/secrets.env ]; then
  install -m 0600 datacentres/example/secrets.env.example datacentres/example/secrets.env
fi
