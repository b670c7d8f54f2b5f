#!/bin/bash
# Regenerates the log fixtures from a real PostgreSQL server: stderr, csvlog and (from PostgreSQL 15) jsonlog,
# under four configurations (see SCENARIOS). Needs a scratch cluster it may restart, owned by the postgres user,
# with pg_stat_statements and auto_explain available:
#   generate.sh PGBIN PGDATA PORT NAME      e.g. generate.sh /usr/lib/postgresql/15/bin /tmp/data15 56115 pg15
# Writes NAME-<scenario>.log / .csv / .json beside this script, and the database's pg_stat_statements after the
# scenarios as NAME-pgss.csv (\copy … CSV HEADER) and NAME-pgss.json (json_agg). Not run by the tests: they read
# the files.
set -euo pipefail
BIN=$1 DATA=$2 PORT=$3 NAME=$4
HERE=$(cd "$(dirname "$0")" && pwd)
URL=postgres://postgres@127.0.0.1:$PORT
LOGDIR=$(mktemp -d) && chown postgres "$LOGDIR"
psql=(psql -X -q -v ON_ERROR_STOP=1 -d "$URL/postgres")
ver=$("${psql[@]}" -Atc 'SHOW server_version_num')
dest='stderr,csvlog'; [ "$ver" -ge 150000 ] && dest='stderr,csvlog,jsonlog'

restore() {
"${psql[@]}" <<'SQL'
ALTER SYSTEM RESET logging_collector; ALTER SYSTEM RESET log_destination; ALTER SYSTEM RESET log_directory;
ALTER SYSTEM RESET log_filename; ALTER SYSTEM RESET log_rotation_age;
ALTER SYSTEM RESET log_line_prefix; ALTER SYSTEM RESET log_min_duration_statement; ALTER SYSTEM RESET log_statement;
ALTER SYSTEM RESET shared_preload_libraries; ALTER SYSTEM RESET auto_explain.log_min_duration; ALTER SYSTEM RESET auto_explain.log_format;
SQL
su postgres -c "$BIN/pg_ctl -D $DATA -l $DATA/restart.log -w restart -m fast" >/dev/null
rm -rf "$LOGDIR"
}
trap restore EXIT

"${psql[@]}" <<SQL
ALTER SYSTEM SET logging_collector = on;
ALTER SYSTEM SET log_destination = '$dest';
ALTER SYSTEM SET log_directory = '$LOGDIR';
ALTER SYSTEM SET log_filename = 'setup.log';
ALTER SYSTEM SET log_rotation_age = 0;
ALTER SYSTEM SET shared_preload_libraries = pg_stat_statements, auto_explain;
SQL
su postgres -c "$BIN/pg_ctl -D $DATA -l $DATA/restart.log -w restart -m fast" >/dev/null
"${psql[@]}" <<'SQL'
DROP DATABASE IF EXISTS shop;
DROP DATABASE IF EXISTS other;
CREATE DATABASE shop;
CREATE DATABASE other;
SQL
psql -X -q -d "$URL/shop" -f "$HERE/schema.sql"
psql -X -q -d "$URL/shop" -c 'CREATE TABLE legacy_audit (what text)'
psql -X -q -d "$URL/other" -c 'CREATE TABLE things (label text)'
psql -X -q -d "$URL/shop" -c 'CREATE EXTENSION pg_stat_statements' -c 'SELECT pg_stat_statements_reset()' >/dev/null

# scenario → settings
declare -A SCENARIOS=(
  [debian]="log_line_prefix = '%m [%p] %q%u@%d '; log_min_duration_statement = 0; log_statement = 'none'; auto_explain.log_min_duration = -1"
  [keyvalue]="log_line_prefix = '%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h '; log_min_duration_statement = 0; log_statement = 'all'; auto_explain.log_min_duration = -1"
  [rds]="log_line_prefix = '%t:%r:%u@%d:[%p]:'; log_min_duration_statement = -1; log_statement = 'none'; auto_explain.log_min_duration = 0; auto_explain.log_format = 'text'"
  [explainjson]="log_line_prefix = '%m [%p] '; log_min_duration_statement = -1; log_statement = 'none'; auto_explain.log_min_duration = 0; auto_explain.log_format = 'json'"
)
for s in debian keyvalue rds explainjson; do
  IFS=';' read -ra settings <<< "${SCENARIOS[$s]}"
  for kv in "${settings[@]}" "log_filename = '$s.log'"; do "${psql[@]}" -c "ALTER SYSTEM SET ${kv}"; done
  "${psql[@]}" -c 'SELECT pg_reload_conf()' >/dev/null
  sleep 1
  "${psql[@]}" -c 'SELECT pg_rotate_logfile()' >/dev/null
  sleep 1
  node "$HERE/workload.mjs" "$URL"
  sleep 1
  for ext in log csv json; do [ -f "$LOGDIR/$s.$ext" ] && cp "$LOGDIR/$s.$ext" "$HERE/$NAME-$s.$ext"; done
done
pgss="SELECT * FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'shop') ORDER BY queryid, toplevel"
[ "$ver" -lt 140000 ] && pgss="SELECT * FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'shop') ORDER BY queryid"
psql -X -q -d "$URL/shop" -c "\\copy ($pgss) TO '$HERE/$NAME-pgss.csv' CSV HEADER"
psql -X -q -At -d "$URL/shop" -c "SELECT json_agg(s) FROM ($pgss) s" > "$HERE/$NAME-pgss.json"
