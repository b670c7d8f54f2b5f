# Sourced by .ci/run (and usable by hand: `source .ci/postgres.sh; pg_install; pg_start`).
PG_MAJOR=15
PG_BIN=/usr/lib/postgresql/$PG_MAJOR/bin
PG_PORT=${PGADVISOR_TEST_PORT:-54329}
PG_DATA=${PGADVISOR_TEST_PGDATA:-/tmp/pgadvisor-test-pg}
PG_TEST_PASSWORD=pgadvisor-ci-secret
TEST_DATABASE_URL="postgres://postgres:$PG_TEST_PASSWORD@127.0.0.1:$PG_PORT/postgres"

as_postgres() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pg_install() {
  local need=()
  dpkg -s "postgresql-$PG_MAJOR" >/dev/null 2>&1 || need+=("postgresql-$PG_MAJOR" postgresql-contrib)
  dpkg -s "postgresql-$PG_MAJOR-hypopg" >/dev/null 2>&1 || need+=("postgresql-$PG_MAJOR-hypopg")
  dpkg -s postgresql-client-$PG_MAJOR >/dev/null 2>&1 || need+=("postgresql-client-$PG_MAJOR")
  dpkg -s pgbouncer >/dev/null 2>&1 || need+=(pgbouncer)
  if ((${#need[@]})); then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
}

pg_start() {
  if as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then return 0; fi
  rm -rf "$PG_DATA"; mkdir -p "$PG_DATA"; chown postgres:postgres "$PG_DATA" 2>/dev/null || true
  local pw; pw=$(mktemp); echo "$PG_TEST_PASSWORD" >"$pw"; chmod 644 "$pw"
  as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --pwfile="$pw" -A scram-sha-256 --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pw"
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -o \
    "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=/tmp -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c track_io_timing=on" start >/dev/null
}

pg_stop() { as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast stop >/dev/null 2>&1 || true; }

# A streaming replica of the test cluster, for the read-replica tests (pg_is_in_recovery()).
PG_REPLICA_PORT=$((PG_PORT + 1))
PG_REPLICA_DATA=${PG_DATA}-replica
TEST_REPLICA_URL="postgres://postgres:$PG_TEST_PASSWORD@127.0.0.1:$PG_REPLICA_PORT/postgres"

pg_start_replica() {
  if as_postgres "$PG_BIN/pg_ctl" -D "$PG_REPLICA_DATA" status >/dev/null 2>&1; then return 0; fi
  rm -rf "$PG_REPLICA_DATA"; mkdir -p "$PG_REPLICA_DATA"; chown postgres:postgres "$PG_REPLICA_DATA" 2>/dev/null || true; chmod 700 "$PG_REPLICA_DATA"
  as_postgres env PGPASSWORD="$PG_TEST_PASSWORD" "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PG_PORT" -U postgres -D "$PG_REPLICA_DATA" -R -X stream >/dev/null
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_REPLICA_DATA" -l "$PG_REPLICA_DATA/server.log" -w -o \
    "-p $PG_REPLICA_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=/tmp -c shared_preload_libraries=pg_stat_statements -c hot_standby=on -c max_connections=300 -c fsync=off" start >/dev/null
}

# PgBouncer in transaction mode in front of the test cluster, for the pooler tests: consecutive
# statements may reach different server connections, and a session-level SET would outlive our client.
PG_POOLER_PORT=$((PG_PORT + 2))
PG_POOLER_DIR=${PG_DATA}-pgbouncer
TEST_POOLER_URL="postgres://postgres:$PG_TEST_PASSWORD@127.0.0.1:$PG_POOLER_PORT/postgres"

pg_start_pooler() {
  if [[ -f $PG_POOLER_DIR/pgbouncer.pid ]] && kill -0 "$(cat "$PG_POOLER_DIR/pgbouncer.pid")" 2>/dev/null; then return 0; fi
  rm -rf "$PG_POOLER_DIR"; mkdir -p "$PG_POOLER_DIR"
  printf '"postgres" "%s"\n' "$PG_TEST_PASSWORD" >"$PG_POOLER_DIR/userlist.txt"
  cat >"$PG_POOLER_DIR/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$PG_PORT
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PG_POOLER_PORT
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $PG_POOLER_DIR/userlist.txt
pool_mode = transaction
default_pool_size = 3
max_client_conn = 200
logfile = $PG_POOLER_DIR/pgbouncer.log
pidfile = $PG_POOLER_DIR/pgbouncer.pid
INI
  chown -R postgres:postgres "$PG_POOLER_DIR" 2>/dev/null || true
  as_postgres /usr/sbin/pgbouncer -d "$PG_POOLER_DIR/pgbouncer.ini" >/dev/null
  for _ in $(seq 50); do psql -X -q "$TEST_POOLER_URL" -c 'SELECT 1' >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "pgbouncer did not start; see $PG_POOLER_DIR/pgbouncer.log" >&2; return 1
}
