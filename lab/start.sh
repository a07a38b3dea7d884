#!/usr/bin/env bash
# The newcomer's main job: sets everything up, brings up the simulated lab datacentre (one ipmi_sim BMC per
# machine on loopback; as root, each machine a qemu VM on a provisioning network of its own that the
# pxe-netboot runbook netboots; `stackbook lab status` shows them), then serves stackbook on
# http://127.0.0.1:8080 with the lab and example datacentres. Extra arguments go to `stackbook serve`
# (e.g. --port 9000).
set -euo pipefail
cd "$(dirname "$0")/.."
bash lab/setup.sh
if [ ! -f datacentres/example/secrets.env ]; then
  install -m 0600 datacentres/example/secrets.env.example datacentres/example/secrets.env
fi
if [ "$(id -u)" = 0 ]; then
  node server/cli/bin.js lab up --vms
else
  node server/cli/bin.js lab up
fi
exec node server/cli/bin.js serve "$@"
