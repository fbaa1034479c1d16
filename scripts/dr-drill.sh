#!/usr/bin/env bash
# The DR drill: restore the latest pgBackRest backup (or a point in time) into a fresh data directory, start
# PostgreSQL, wait until recovery is complete, run the verification queries, measure the RTO, print one JSON
# result on stdout and push the DR metrics to a Pushgateway. The same script runs on the staging-dr restore
# host and in test/dr and the benchmark.
#
#   dr-drill.sh --config FILE --work-dir DIR [--stanza roadwave] [--pg-bin DIR] [--port 5433]
#               [--target-time ISO8601] [--checks FILE] [--pushgateway-url URL] [--timeout SECONDS]
#               [--keep-running]
#
# --checks: one check per line, tab-separated: name, database, minimum, SQL returning one number.
# The data directory is <work-dir>/data: the drill owns it and replaces it on every run.
# Exit codes: 0 verified, 1 verification failed, 2 bad input or unusable repository (one line on stderr:
# what is wrong and how to fix it).
set -euo pipefail

stanza=roadwave
pg_bin=/usr/lib/postgresql/15/bin
port=5433
config="" work_dir="" target_time="" checks_file="" pushgateway_url="" keep_running=0
timeout_seconds=3600

# Root re-runs the drill as postgres: PostgreSQL refuses to run as root.
if [ "$(id -u)" = 0 ]; then
  exec runuser -u postgres -- bash "$(readlink -f "$0")" "$@"
fi
# Started from a directory postgres cannot enter (sudo from an admin's home, a private checkout), psql and
# pg_ctl warn on every call and the checks' output is polluted: work from / then (paths are absolute).
[ -x "$PWD" ] || cd /

result_json() { # status, error message (may be empty)
  jq -cn --arg status "$1" --arg error "$2" '{status: $status, error: $error}'
}
fail() { # exit code, what is wrong, how to fix it
  echo "dr-drill: error: $2; fix: $3" >&2
  result_json error "$2" >&1
  exit "$1"
}

while [ $# -gt 0 ]; do
  case "$1" in
    --config) config="$2"; shift 2 ;;
    --work-dir) work_dir="$2"; shift 2 ;;
    --stanza) stanza="$2"; shift 2 ;;
    --pg-bin) pg_bin="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --target-time) target_time="$2"; shift 2 ;;
    --checks) checks_file="$2"; shift 2 ;;
    --pushgateway-url) pushgateway_url="$2"; shift 2 ;;
    --timeout) timeout_seconds="$2"; shift 2 ;;
    --keep-running) keep_running=1; shift ;;
    *) fail 2 "unknown argument $1" "see the usage at the top of $0" ;;
  esac
done
[ -n "$config" ] || fail 2 "--config is missing" "pass the pgbackrest.conf of the repository to restore from"
[ -r "$config" ] || fail 2 "cannot read $config as $(id -un)" "make it readable by $(id -un) (mode 0640, group $(id -gn))"
[ -n "$work_dir" ] || fail 2 "--work-dir is missing" "pass a directory the drill may own, e.g. /var/lib/postgresql/dr-drill"
[ -x "$pg_bin/postgres" ] || fail 2 "no PostgreSQL server at $pg_bin" "install postgresql-15 or pass --pg-bin"
[ -z "$checks_file" ] || [ -r "$checks_file" ] || fail 2 "cannot read checks file $checks_file" "pass a readable --checks file"
for tool in pgbackrest jq curl psql; do
  command -v "$tool" >/dev/null || [ -x "$pg_bin/$tool" ] || fail 2 "$tool is not installed" "apt-get install $tool"
done
if [ -n "$target_time" ]; then
  # pgBackRest picks the backup set only from times like "2026-12-01 04:00:00+00"; accept any ISO 8601.
  target_time_iso="$(date -u -d "$target_time" '+%Y-%m-%dT%H:%M:%S.%3NZ' 2>/dev/null)" ||
    fail 2 "--target-time $target_time is not a time" "pass ISO 8601 with an offset, e.g. 2026-12-01T04:00:00Z"
  target_time="$(date -u -d "$target_time" '+%Y-%m-%d %H:%M:%S.%3N+00')"
fi
export PATH="$pg_bin:$PATH"
config="$(readlink -f "$config")"
work_dir="$(readlink -m "$work_dir")"

data_dir="$work_dir/data"
socket_dir="$work_dir"
backrest=(pgbackrest "--config=$config" "--stanza=$stanza")

# Values of the [global] section of the rendered config (key=value lines).
conf_value() { sed -n "/^\[global\]/,/^\[/s/^$1=//p" "$config" | head -n1; }

# ---- preflight: is the repository usable? ------------------------------------------------------------
endpoint_host="$(conf_value repo1-s3-endpoint)"
endpoint_port="$(conf_value repo1-storage-port)"
endpoint_url="https://$endpoint_host:${endpoint_port:-443}"
ca_file="$(conf_value repo1-storage-ca-file)"
curl_ca=()
[ -z "$ca_file" ] || curl_ca=(--cacert "$ca_file")
if ! curl_error="$(curl -sS -o /dev/null --max-time 15 "${curl_ca[@]}" "$endpoint_url/" 2>&1)"; then
  fail 2 "cannot reach the S3 endpoint $endpoint_url (${curl_error#curl: })" \
    "check repo1-s3-endpoint/repo1-storage-port in $config, DNS, and that this host may reach it (firewall, network)"
fi

info_stderr="$(mktemp)"
trap 'rm -f "$info_stderr"' EXIT
info_json="$("${backrest[@]}" --output=json info 2>"$info_stderr")" ||
  fail 2 "pgbackrest info failed: $(grep -m1 ERROR "$info_stderr" || head -n1 "$info_stderr")" \
    "check the S3 credential and bucket in $config"
rm -f "$info_stderr"
trap - EXIT
# Decrypting with a wrong passphrase puts raw garbage bytes into the messages: drop control characters.
info_json="$(tr -d '\000-\037' <<<"$info_json")"
status_code="$(jq -r '.[0].status.code' <<<"$info_json")"
repo_message="$(jq -r '[.[0].repo[]?.status.message] | first // ""' <<<"$info_json" | head -n1)"
bucket="$(conf_value repo1-s3-bucket)"
case "$status_code" in
  0) ;;
  1)
    stanzas="$( { "${backrest[@]}" repo-ls archive; "${backrest[@]}" repo-ls backup; } 2>/dev/null | sort -u | paste -sd, -)"
    if [ -z "$stanzas" ]; then
      fail 2 "the bucket $bucket holds no pgBackRest repository at $(conf_value repo1-path) (empty bucket)" \
        "point repo1-s3-bucket/repo1-path at the prod repository, or create it: pgbackrest --stanza=$stanza stanza-create then backup on the prod host"
    fi
    fail 2 "stanza $stanza is missing from the repository in bucket $bucket (it holds: $stanzas)" \
      "pass --stanza with one of: $stanzas, or run pgbackrest --stanza=$stanza stanza-create on the prod host"
    ;;
  2)
    fail 2 "stanza $stanza has no backup yet in bucket $bucket" \
      "run a full backup on the prod host: pgbackrest --stanza=$stanza --type=full backup"
    ;;
  *)
    if grep -qE 'FormatError|CryptoError|cipher' <<<"$repo_message"; then
      fail 2 "cannot decrypt the repository in bucket $bucket: wrong repository passphrase" \
        "set repo1-cipher-pass to the prod pgbackrestPassphrase (prod stack output backupRepoPassphrase)"
    fi
    fail 2 "the repository is not usable: $(head -c 300 <<<"$repo_message" | tr '\n' ' ')" "run pgbackrest --stanza=$stanza info to see why"
    ;;
esac

# ---- restore -----------------------------------------------------------------------------------------
started_at="$(date +%s.%N)"
mkdir -p "$work_dir"
chmod 0700 "$work_dir"
if [ -f "$data_dir/postmaster.pid" ]; then
  pg_ctl -D "$data_dir" -m immediate stop >/dev/null 2>&1 || true
fi
rm -rf "$data_dir"
mkdir -m 0700 "$data_dir"

restore_args=(--pg1-path="$data_dir" --archive-mode=off)
if [ -n "$target_time" ]; then
  restore_args+=(--type=time "--target=$target_time" --target-action=promote)
fi
if ! restore_out="$("${backrest[@]}" "${restore_args[@]}" restore 2>&1)"; then
  fail 2 "pgbackrest restore failed: $(grep -m1 ERROR <<<"$restore_out" || head -n1 <<<"$restore_out")" \
    "see $(conf_value log-path)/$stanza-restore.log"
fi

# Our own settings: the restored directory may have no postgresql.conf (Debian keeps it in /etc) and prod's
# settings do not fit this host. postgresql.auto.conf from prod still applies, below the command line.
cat >"$work_dir/drill.conf" <<EOF
listen_addresses = ''
port = $port
unix_socket_directories = '$socket_dir'
hba_file = '$work_dir/drill_hba.conf'
ident_file = '$work_dir/drill_ident.conf'
archive_mode = off
# Without hot standby, recovery does not require prod's max_connections & co. and nobody reads a half-way state.
hot_standby = off
logging_collector = off
EOF
printf 'local all all peer\n' >"$work_dir/drill_hba.conf"
: >"$work_dir/drill_ident.conf"
log_file="$work_dir/postgresql.log"
pg_ctl -D "$data_dir" -l "$log_file" -o "-c config_file=$work_dir/drill.conf" -W start >/dev/null

stop_server() { pg_ctl -D "$data_dir" -m fast stop >/dev/null 2>&1 || true; }
trap 'stop_server' EXIT
for _ in $(seq 100); do [ -s "$data_dir/postmaster.pid" ] && break; sleep 0.1; done
postmaster_pid="$(head -n1 "$data_dir/postmaster.pid" 2>/dev/null || true)"

psql_at() { # database, sql
  psql -X -q -h "$socket_dir" -p "$port" -d "$1" -At -v ON_ERROR_STOP=1 -c "$2"
}

deadline=$(( $(date +%s) + timeout_seconds ))
while true; do
  if in_recovery="$(psql_at postgres 'SELECT pg_is_in_recovery()' 2>/dev/null)" && [ "$in_recovery" = f ]; then
    break
  fi
  if [ -z "$postmaster_pid" ] || ! kill -0 "$postmaster_pid" 2>/dev/null; then
    fail 2 "PostgreSQL stopped during recovery: $(grep -m1 -E 'FATAL|PANIC' "$log_file" || tail -n1 "$log_file")" \
      "read $log_file (a --target-time before the backup or after the last archived WAL cannot be reached)"
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    fail 2 "recovery did not finish within $timeout_seconds s" "raise --timeout or read $log_file"
  fi
  sleep 0.2
done

# ---- verify ------------------------------------------------------------------------------------------
checks_json="[]"
all_ok=true
if [ -n "$checks_file" ]; then
  while IFS=$'\t' read -r name database min sql; do
    [ -n "$name" ] || continue
    if value="$(psql_at "$database" "$sql" 2>&1)" && [[ "$value" =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; then
      ok="$(jq -n --argjson v "$value" --argjson m "$min" '$v >= $m')"
      checks_json="$(jq -c --arg n "$name" --arg d "$database" --argjson v "$value" --argjson m "$min" --argjson ok "$ok" \
        '. + [{name: $n, database: $d, value: $v, min: $m, ok: $ok}]' <<<"$checks_json")"
    else
      ok=false
      checks_json="$(jq -c --arg n "$name" --arg d "$database" --argjson m "$min" --arg e "$(head -n1 <<<"$value")" \
        '. + [{name: $n, database: $d, value: null, min: $m, ok: false, error: $e}]' <<<"$checks_json")"
    fi
    [ "$ok" = true ] || all_ok=false
  done <"$checks_file"
fi
finished_at="$(date +%s.%N)"
rto_seconds="$(awk -v a="$started_at" -v b="$finished_at" 'BEGIN { printf "%.1f", b - a }')"

# The last transaction replayed; the backup's end when no transaction came after it.
restored_to="$(psql_at postgres "SELECT coalesce(to_char(pg_last_xact_replay_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), '')")"
if [ -z "$restored_to" ]; then
  restored_to="$(jq -r '.[0].backup | last | .timestamp.stop | todate' <<<"$info_json")"
fi
backup_label="$(jq -r '.[0].backup | last | .label' <<<"$info_json")"

status=ok
[ "$all_ok" = true ] || status=verification_failed

if [ "$status" = ok ] && [ -n "$pushgateway_url" ]; then
  metrics="# TYPE roadwave_dr_drill_last_success_timestamp_seconds gauge
roadwave_dr_drill_last_success_timestamp_seconds ${finished_at%.*}
# TYPE roadwave_dr_drill_rto_seconds gauge
roadwave_dr_drill_rto_seconds $rto_seconds
"
  if ! push_error="$(curl -sS --fail --max-time 15 --data-binary @- "${pushgateway_url%/}/metrics/job/roadwave-dr-drill" <<<"$metrics" 2>&1)"; then
    echo "dr-drill: warning: could not push the metrics to $pushgateway_url (${push_error#curl: })" >&2
    pushed=false
  else
    pushed=true
  fi
else
  pushed=false
fi

if [ "$keep_running" = 1 ]; then trap - EXIT; fi
jq -cn --arg status "$status" --arg restoredTo "$restored_to" --argjson rto "$rto_seconds" --arg target "${target_time_iso:-}" \
  --arg backup "$backup_label" --argjson checks "$checks_json" --argjson pushed "$pushed" --arg dataDir "$data_dir" \
  '{status: $status, restoredTo: $restoredTo, rtoSeconds: $rto, targetTime: (if $target == "" then null else $target end),
    backup: $backup, checks: $checks, pushed: $pushed, dataDir: $dataDir}'
[ "$status" = ok ] || { echo "dr-drill: error: verification failed: $(jq -r '[.[] | select(.ok | not) | .name] | join(", ")' <<<"$checks_json"); fix: inspect the restored data (rerun with --keep-running)" >&2; exit 1; }
