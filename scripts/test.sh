#!/usr/bin/env bash
# THE test command (npm test): type check, then every suite. The config, live and dr suites run real tools;
# when one is missing this installs it (root on Debian/Ubuntu) or fails naming the command to run. It never
# skips a suite.
set -euo pipefail
cd "$(dirname "$0")/.."

required_tools=(promtool amtool prometheus prometheus-alertmanager prometheus-node-exporter prometheus-pushgateway
  prometheus-postgres-exporter prometheus-redis-exporter redis-server pgbackrest cloud-init nft caddy jq curl openssl systemd-analyze
  /usr/lib/postgresql/15/bin/postgres /usr/lib/postgresql/15/bin/initdb /usr/lib/postgresql/15/bin/pgbench)
missing=()
for tool in "${required_tools[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "$tool" ] || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test: missing ${missing[*]}: installing with scripts/install-tools.sh"
    bash scripts/install-tools.sh
  else
    echo "test: missing tools: ${missing[*]}" >&2
    echo "test: install them with: sudo bash scripts/install-tools.sh" >&2
    exit 1
  fi
fi

npx tsc --noEmit -p .
npx vitest run "$@"
