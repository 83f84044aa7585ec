#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on 127.0.0.1 for tests and benchmarks.
#
# As a library (bash):
#     source scripts/pg.sh
#     pg_start [DIR]      # start a cluster in DIR (default: a new temp dir); exports PG_DIR, PG_PORT, DATABASE_URL
#     ...                 # DATABASE_URL=postgres://baodao@127.0.0.1:PORT/baodao (role baodao has CREATEDB)
#     pg_stop [DIR]       # stop the cluster in DIR (default: $PG_DIR) and delete DIR
# As a command:
#     eval "$(scripts/pg.sh start [DIR])"   # prints PG_DIR=... and DATABASE_URL=... lines
#     scripts/pg.sh stop DIR
#
# Knobs (environment): PG_FAST=1 (default) turns off fsync/synchronous_commit/full_page_writes,
# which is right for throwaway data; set PG_FAST=0 to measure with durable writes. PG_OPTS adds
# server options, e.g. PG_OPTS="-c shared_buffers=512MB". Trust authentication, only on 127.0.0.1
# and a socket inside DIR. As root the server runs as the `postgres` user (initdb refuses root), so
# DIR must be reachable by that user; the default temp dir is.

_pg_bin() {
    local initdb
    initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)
    [[ -n $initdb ]] || initdb=$(command -v initdb || true)
    [[ -n $initdb ]] || { echo "pg.sh: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; return 1; }
    dirname "$initdb"
}

# Run a command as the cluster owner: `postgres` when we are root, ourselves otherwise.
_pg_as() {
    if [[ $(id -u) == 0 ]]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

_pg_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_start() {
    local dir=${1:-} bin port opts tries
    bin=$(_pg_bin) || return 1
    if [[ -z $dir ]]; then
        dir=$(mktemp -d "${TMPDIR:-/tmp}/baodao-pg.XXXXXX") || return 1
    fi
    mkdir -p "$dir" && chmod 700 "$dir" || return 1
    if [[ $(id -u) == 0 ]]; then
        chown postgres: "$dir" || return 1
    fi
    PG_DIR=$dir
    export PG_DIR
    _pg_as "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
        echo "pg.sh: initdb failed, see $dir/initdb.log:" >&2
        tail -n 20 "$dir/initdb.log" >&2
        return 1
    }
    opts="-c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir -c max_connections=200"
    if [[ ${PG_FAST:-1} == 1 ]]; then
        opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    fi
    # A port found free can be taken before the server binds it: try a few.
    for tries in 1 2 3 4 5; do
        port=$(_pg_free_port) || return 1
        if _pg_as "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
            -o "-p $port $opts ${PG_OPTS:-}" start >/dev/null; then
            break
        fi
        port=
    done
    if [[ -z $port ]]; then
        echo "pg.sh: PostgreSQL did not start, see $dir/postgres.log:" >&2
        tail -n 20 "$dir/postgres.log" >&2
        return 1
    fi
    _pg_as "$bin/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
        -c "CREATE ROLE baodao LOGIN CREATEDB" -c "CREATE DATABASE baodao OWNER baodao" >/dev/null || return 1
    PG_PORT=$port
    DATABASE_URL="postgres://baodao@127.0.0.1:$port/baodao"
    export PG_PORT DATABASE_URL
    echo "== PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $dir)" >&2
}

pg_stop() {
    local dir=${1:-${PG_DIR:-}} bin
    [[ -n $dir && -d $dir ]] || return 0
    bin=$(_pg_bin) || return 1
    if [[ -f $dir/data/postmaster.pid ]]; then
        _pg_as "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 ||
            echo "pg.sh: could not stop the server in $dir" >&2
    fi
    rm -rf "$dir"
    echo "== PostgreSQL stopped ($dir removed)" >&2
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    set -euo pipefail
    case ${1:-} in
        start)
            pg_start "${2:-}"
            echo "PG_DIR=$PG_DIR"
            echo "DATABASE_URL=$DATABASE_URL"
            ;;
        stop) pg_stop "${2:?usage: scripts/pg.sh stop DIR}" ;;
        *) echo "usage: scripts/pg.sh start [DIR] | stop DIR   (or: source scripts/pg.sh; pg_start; pg_stop)" >&2; exit 2 ;;
    esac
fi
