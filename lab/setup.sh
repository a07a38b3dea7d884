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
  dnsmasq-base            # the pxe driver's DHCP server (the binary only: no system service)
  qemu-system-x86 ipxe-qemu   # the lab's machines: qemu VMs whose NIC ROM is iPXE
  pxelinux syslinux-common    # pxelinux.0 and ldlinux.c32, the BIOS boot loader the pxe driver serves
  curl tftp-hpa               # TFTP clients the TFTP server's tests fetch with
  tftpd-hpa                   # in.tftpd: the TFTP benchmark's reference (its service is never started)
)
# Extra Debian packages for this run (CI adds the browser its end-to-end tests drive).
read -r -a extra <<< "${STACKBOOK_EXTRA_PACKAGES:-}"
packages+=("${extra[@]}")
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  # Package scripts start services (dnsmasq's, if a package pulls it in); stackbook starts its own daemons by
  # pid, so none may start during the install: a policy-rc.d that refuses all, removed afterwards.
  policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
    as_root chmod 755 /usr/sbin/policy-rc.d
    policy=set
    trap 'as_root rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  as_root apt-get update
  # A concurrent apt run holds the archive lock; the lock timeout does not cover it, so try again.
  for try in 1 2 3; do
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" && break
    [ "$try" = 3 ] && exit 1
    sleep 10
  done
  if [ -n "$policy" ]; then
    as_root rm -f /usr/sbin/policy-rc.d
    trap - EXIT
  fi
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
