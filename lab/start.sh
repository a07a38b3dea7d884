#!/usr/bin/env bash
# The newcomer's main job: sets everything up, then serves stackbook on http://127.0.0.1:8080 with the
# example datacentre (the simulated lab datacentre joins it as its drivers land). Extra arguments go to
# `stackbook serve` (e.g. --port 9000).
set -euo pipefail
cd "$(dirname "$0")/.."
bash lab/setup.sh
if [ ! -f datacentres/example/secrets.env ]; then
  install -m 0600 datacentres/example/secrets.env.example datacentres/example/secrets.env
fi
exec node server/cli/bin.js serve "$@"
