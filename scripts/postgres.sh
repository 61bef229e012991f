#!/usr/bin/env bash
# Throw-away PostgreSQL servers for ToolGrains development and tests.
#
#   scripts/postgres.sh start [DIR]       start a private server (data, socket and log in DIR, default
#                                         a new ${TMPDIR:-/tmp}/toolgrains-pg.XXXXXX), create database
#                                         "toolgrains" with deploy/sql/postgresql/*.sql applied, and print
#                                         its Npgsql connection string on stdout (one line)
#   scripts/postgres.sh createdb DIR NAME  create another database with the schema; print its connection string
#   scripts/postgres.sh psql DIR [ARGS]    run psql against the "toolgrains" database of that server
#   scripts/postgres.sh stop DIR           stop the server and delete DIR
#   scripts/postgres.sh pause DIR          stop the server but keep DIR (an outage, for tests)
#   scripts/postgres.sh resume DIR         start a paused server again on the same port
#
# The server listens on 127.0.0.1 only, on a free port picked at start; role/password are
# toolgrains/toolgrains. DIR/env holds PGPORT, PGDATA, PGHOST (socket dir) and the connection string
# (TOOLGRAINS_PG_CONNECTION) for `source`. Logs go to stderr and DIR/postgres.log. PostgreSQL is
# installed from Debian packages when no initdb/pg_ctl is found. Several servers can run at once.
set -euo pipefail

readonly SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
readonly SQL_DIR="$REPO_ROOT/deploy/sql/postgresql"
readonly APP_USER=toolgrains
readonly APP_PASSWORD=toolgrains
readonly APP_DB=toolgrains

log() { printf 'postgres.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
    sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

is_root() { [[ "$(id -u)" == 0 ]]; }

# Runs a server-side command (initdb, pg_ctl) as the postgres user when we are root,
# because PostgreSQL refuses to run as root.
as_pg() {
    if is_root; then
        if command -v runuser >/dev/null 2>&1; then
            runuser -u postgres -- "$@"
        else
            su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
        fi
    else
        "$@"
    fi
}

PG_BIN=""
find_pg_bin() {
    local dir
    # Newest packaged version first, then whatever is on PATH.
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" && -x "$dir/psql" ]]; then
            PG_BIN="$dir"
            return 0
        fi
    done
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1 && command -v psql >/dev/null 2>&1; then
        PG_BIN="$(dirname "$(readlink -f "$(command -v pg_ctl)")")"
        [[ -x "$PG_BIN/initdb" && -x "$PG_BIN/psql" ]] || PG_BIN=""
        [[ -n "$PG_BIN" ]] && return 0
    fi
    return 1
}

ensure_postgres() {
    find_pg_bin && return 0
    is_root || die "PostgreSQL (initdb/pg_ctl) not found; install it (Debian: apt-get install postgresql) or run as root"
    command -v apt-get >/dev/null 2>&1 || die "PostgreSQL not found and apt-get is not available"
    log "PostgreSQL not found; installing it from Debian packages"
    (
        # Serialize concurrent installs (dpkg takes its own lock and would fail instead of wait).
        exec 9>"${TMPDIR:-/tmp}/toolgrains-pg-install.lock"
        flock 9
        if ! find_pg_bin; then
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -qq >&2
            apt-get install -y -qq postgresql >&2
        fi
    )
    find_pg_bin || die "PostgreSQL installation did not provide initdb/pg_ctl"
}

ensure_pg_user() {
    is_root || return 0
    id postgres >/dev/null 2>&1 && return 0
    log "creating system user postgres"
    useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres >&2
}

free_port() {
    python3 - <<'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

conn_string() { # PORT DB
    printf 'Host=127.0.0.1;Port=%s;Database=%s;Username=%s;Password=%s' "$1" "$2" "$APP_USER" "$APP_PASSWORD"
}

# Loads DIR/env written by `start` and checks that DIR really is one of our servers.
load_state() {
    local dir="$1"
    [[ -f "$dir/env" && -f "$dir/data/PG_VERSION" ]] || die "$dir is not a server directory made by '$0 start'"
    # shellcheck disable=SC1091
    source "$dir/env"
    find_pg_bin || die "PostgreSQL binaries not found"
}

admin_psql() { # runs psql as the superuser on the maintenance database, over the unix socket
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PGHOST" -p "$PGPORT" -U postgres -d postgres "$@"
}

apply_schema() { # DB
    local db="$1" files=() f
    for f in "$SQL_DIR"/[0-9][0-9][0-9]-*.sql; do
        [[ -f "$f" ]] && files+=(-f "$f")
    done
    [[ ${#files[@]} -gt 0 ]] || die "no schema files in $SQL_DIR"
    log "applying schema to database $db"
    # One transaction for all files: a failure leaves the database empty, not half-made.
    PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" \
        "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 --single-transaction \
        -h "$PGHOST" -p "$PGPORT" -U "$APP_USER" -d "$db" "${files[@]}" >&2
}

create_app_db() { # DB
    local db="$1"
    [[ "$db" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || die "invalid database name '$db' (use [a-z_][a-z0-9_]*)"
    admin_psql -c "CREATE DATABASE \"$db\" OWNER $APP_USER" >&2
    apply_schema "$db"
}

# If `start` fails half-way, stop the server it started and remove its directory.
START_DIR=""
on_start_exit() {
    local rc=$?
    [[ $rc -ne 0 && -n "$START_DIR" && -d "$START_DIR" ]] || return 0
    log "start failed; cleaning up $START_DIR"
    [[ -f "$START_DIR/postgres.log" ]] && tail -n 20 "$START_DIR/postgres.log" >&2
    as_pg "$PG_BIN/pg_ctl" -D "$START_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf -- "$START_DIR"
}

cmd_start() {
    local dir="${1:-}"
    ensure_postgres
    ensure_pg_user
    command -v python3 >/dev/null 2>&1 || die "python3 is needed to pick a free port"

    if [[ -z "$dir" ]]; then
        dir="$(mktemp -d "${TMPDIR:-/tmp}/toolgrains-pg.XXXXXX")"
    else
        mkdir -p "$dir"
        dir="$(cd "$dir" && pwd)"
        [[ -z "$(ls -A "$dir")" ]] || die "$dir is not empty"
    fi
    START_DIR="$dir"
    trap on_start_exit EXIT
    mkdir -p "$dir/data" "$dir/sock"
    chmod 0755 "$dir"
    if is_root; then
        chown -R postgres: "$dir"
        as_pg test -w "$dir" || die "user postgres cannot write to $dir (is a parent directory private?)"
    fi
    chmod 0700 "$dir/data"
    log "data directory $dir/data; $("$PG_BIN/pg_ctl" --version)"

    as_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres -E UTF8 --no-locale \
        --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; die "initdb failed"; }

    # Pick a free port; retry if another process grabbed it before the server bound it.
    local port="" attempt
    for attempt in 1 2 3 4 5; do
        port="$(free_port)"
        if as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='$dir/sock' -c max_connections=300" \
            start >&2; then
            break
        fi
        port=""
        log "start on port failed (attempt $attempt); see $dir/postgres.log"
        tail -n 5 "$dir/postgres.log" >&2 || true
    done
    [[ -n "$port" ]] || die "could not start PostgreSQL"

    PGHOST="$dir/sock"
    PGPORT="$port"
    admin_psql -c "CREATE ROLE $APP_USER LOGIN PASSWORD '$APP_PASSWORD'" >&2
    create_app_db "$APP_DB"

    local conn
    conn="$(conn_string "$port" "$APP_DB")"
    cat >"$dir/env" <<EOF
# written by scripts/postgres.sh start
PGDATA='$dir/data'
PGHOST='$dir/sock'
PGPORT='$port'
PGUSER='$APP_USER'
PGDATABASE='$APP_DB'
TOOLGRAINS_PG_CONNECTION='$conn'
EOF
    is_root && chown postgres: "$dir/env"
    START_DIR=""
    trap - EXIT
    log "PostgreSQL running on 127.0.0.1:$port; stop with: $0 stop $dir"
    printf '%s\n' "$conn"
}

cmd_stop() {
    local dir="${1:-}"
    [[ -n "$dir" ]] || usage
    [[ -d "$dir" ]] || die "$dir does not exist"
    dir="$(cd "$dir" && pwd)"
    load_state "$dir"
    if as_pg "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >&2
    else
        log "server in $dir was not running"
    fi
    rm -rf -- "$dir"
    log "removed $dir"
}

cmd_pause() {
    local dir="${1:-}"
    [[ -n "$dir" ]] || usage
    dir="$(cd "$dir" && pwd)"
    load_state "$dir"
    as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >&2
}

cmd_resume() {
    local dir="${1:-}"
    [[ -n "$dir" ]] || usage
    dir="$(cd "$dir" && pwd)"
    load_state "$dir"
    as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $PGPORT -c unix_socket_directories='$dir/sock' -c max_connections=300" \
        start >&2
}

cmd_createdb() {
    local dir="${1:-}" name="${2:-}"
    [[ -n "$dir" && -n "$name" ]] || usage
    dir="$(cd "$dir" && pwd)"
    load_state "$dir"
    create_app_db "$name"
    printf '%s\n' "$(conn_string "$PGPORT" "$name")"
}

cmd_psql() {
    local dir="${1:-}"
    [[ -n "$dir" ]] || usage
    shift
    dir="$(cd "$dir" && pwd)"
    load_state "$dir"
    export PGHOST PGPORT PGUSER PGDATABASE
    exec "$PG_BIN/psql" -X "$@"
}

main() {
    local cmd="${1:-}"
    [[ $# -gt 0 ]] && shift
    case "$cmd" in
        start) cmd_start "$@" ;;
        stop) cmd_stop "$@" ;;
        pause) cmd_pause "$@" ;;
        resume) cmd_resume "$@" ;;
        createdb) cmd_createdb "$@" ;;
        psql) cmd_psql "$@" ;;
        -h | --help | help | "") usage ;;
        *) log "unknown command '$cmd'"; usage ;;
    esac
}

main "$@"
