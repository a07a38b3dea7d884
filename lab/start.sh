#!/usr/bin/env bash
# The newcomer's first run: sets everything up, then runs the example runbook on the example datacentre.
# A manual cell asks for approval on a terminal; pass --yes to approve it unattended.
set -euo pipefail
cd "$(dirname "$0")/.."
bash lab/setup.sh
if [ ! -f datacentres/example/secrets.env ]; then
  install -m 0600 datacentres/example/secrets.env.example datacentres/example/secrets.env
fi
node server/cli/bin.js run seed-preflight --dc example "$@"
node server/cli/bin.js runs --limit 5
