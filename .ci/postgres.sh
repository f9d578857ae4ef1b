#!/usr/bin/env bash
# A throw-away PostgreSQL server for the tests: a cluster made with initdb in a
# temporary folder, listening on 127.0.0.1 only, on a free port.
#
#   .ci/postgres.sh run pytest ...   start a server, run the command with
#                                    DISKETTE_TEST_PG set, stop it whatever happens
#   .ci/postgres.sh start DIR        start a server in the empty folder DIR; writes
#                                    DIR/env (export DISKETTE_TEST_PG=...)
#   .ci/postgres.sh stop DIR         stop that server and remove DIR
#
# Debian's postgresql package is installed when no initdb is found (as root).
# PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user.
set -euo pipefail

# The folder of the newest installed server binaries (initdb, pg_ctl, createdb).
bindir() {
    local found
    found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$found" ] && [ -x "$found/initdb" ]; then
        echo "$found"
    elif command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
    fi
}

install_postgres() {
    if [ "$(id -u)" != 0 ]; then
        echo "postgres.sh: no PostgreSQL server found; install Debian's 'postgresql' package" >&2
        exit 1
    fi
    echo "postgres.sh: installing Debian's postgresql package" >&2
    # Only the binaries are wanted: no default cluster started by the package.
    mkdir -p /etc/postgresql-common/createcluster.d
    echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.d/diskette-ci.conf
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
}

# Run a server command as the folder's owner (`postgres` when we are root).
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
    local dir=$1 bin port
    bin=$(bindir)
    if [ -z "$bin" ]; then
        install_postgres
        bin=$(bindir)
    fi
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then
        chown postgres: "$dir"
    fi
    as_owner "$bin/initdb" --pgdata="$dir/data" --username=diskette --auth=trust \
        --encoding=UTF8 --no-locale >"$dir/initdb.log"
    port=$(free_port)
    # One line: pg_ctl hands these to a shell. fsync off: a throw-away cluster.
    local options="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$dir'"
    options+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    as_owner "$bin/pg_ctl" start -w -s -D "$dir/data" -l "$dir/server.log" -o "$options"
    "$bin/createdb" --host=127.0.0.1 --port="$port" --username=diskette diskette_test
    echo "export DISKETTE_TEST_PG=postgresql://diskette@127.0.0.1:$port/diskette_test" \
        >"$dir/env"
    echo "postgres.sh: PostgreSQL $("$bin/pg_ctl" --version | awk '{print $3}')" \
        "on 127.0.0.1:$port, data in $dir" >&2
}

stop() {
    local dir=$1 bin
    bin=$(bindir)
    if [ -n "$bin" ] && [ -f "$dir/data/postmaster.pid" ]; then
        as_owner "$bin/pg_ctl" stop -w -s -m immediate -D "$dir/data" || true
    fi
    rm -rf "$dir"
}

run() {
    PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/diskette-pg.XXXXXX")
    trap 'stop "$PG_DIR"' EXIT
    start "$PG_DIR"
    # shellcheck disable=SC1091
    . "$PG_DIR/env"
    "$@"
}

case "${1:-}" in
start) start "${2:?usage: postgres.sh start DIR}" ;;
stop) stop "${2:?usage: postgres.sh stop DIR}" ;;
run)
    shift
    run "$@"
    ;;
*)
    echo "usage: postgres.sh start DIR | stop DIR | run COMMAND..." >&2
    exit 2
    ;;
esac
