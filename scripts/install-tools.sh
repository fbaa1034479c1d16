#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages the test suite runs for real (promtool, amtool, exporters, PostgreSQL,
# Redis, pgBackRest, cloud-init, Caddy). Idempotent; never starts a service (policy-rc.d denies it) because
# the tests start every server themselves on 127.0.0.1.
set -euo pipefail

PACKAGES=(
  prometheus prometheus-alertmanager prometheus-node-exporter prometheus-pushgateway
  prometheus-postgres-exporter prometheus-redis-exporter
  postgresql-15 postgresql-contrib redis-server pgbackrest
  cloud-init nftables caddy openssl ca-certificates procps jq curl systemd
)

if [ "$(id -u)" != 0 ]; then
  echo "install-tools: run as root: sudo bash scripts/install-tools.sh" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  echo "install-tools: needs apt-get (Debian/Ubuntu). Install by hand: ${PACKAGES[*]}" >&2
  exit 1
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" = 0 ]; then
  echo "install-tools: all ${#PACKAGES[@]} packages present"
  exit 0
fi

# Keep packaged services from starting (Debian's defaults listen on 0.0.0.0).
policy=/usr/sbin/policy-rc.d
if [ ! -x "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod +x "$policy"
fi

echo "install-tools: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-tools: done"
