#!/usr/bin/env bash
# A throwaway Redis on 127.0.0.1 (no persistence) for tests and benchmarks.
#
# As a library (bash):
#     source scripts/redis.sh
#     redis_start [DIR]   # start redis-server with its pid and log in DIR (default: a new temp dir);
#                         # exports REDIS_DIR, REDIS_PORT, REDIS_URL=redis://127.0.0.1:PORT/0
#     redis_stop [DIR]    # stop the server started in DIR (default: $REDIS_DIR) and delete DIR
# As a command:
#     eval "$(scripts/redis.sh start [DIR])"   # prints REDIS_DIR=... and REDIS_URL=... lines
#     scripts/redis.sh stop DIR

redis_start() {
    local dir=${1:-} port tries
    command -v redis-server >/dev/null || { echo "redis.sh: redis-server not found (apt-get install redis-server)" >&2; return 1; }
    if [[ -z $dir ]]; then
        dir=$(mktemp -d "${TMPDIR:-/tmp}/baodao-redis.XXXXXX") || return 1
    fi
    mkdir -p "$dir" || return 1
    REDIS_DIR=$dir
    export REDIS_DIR
    for tries in 1 2 3 4 5; do
        port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') || return 1
        redis-server --bind 127.0.0.1 --port "$port" --daemonize yes --save '' --appendonly no \
            --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null || return 1
        # --daemonize returns before the server listens; wait for the pid file and the port.
        for _ in $(seq 50); do
            if [[ -s $dir/redis.pid ]] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
                REDIS_PORT=$port
                REDIS_URL="redis://127.0.0.1:$port/0"
                export REDIS_PORT REDIS_URL
                echo "== Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2) on 127.0.0.1:$port" >&2
                return 0
            fi
            sleep 0.1
        done
        _redis_kill "$dir"
    done
    echo "redis.sh: Redis did not start, see $dir/redis.log:" >&2
    tail -n 20 "$dir/redis.log" >&2
    return 1
}

_redis_kill() {
    local pid
    pid=$(cat "$1/redis.pid" 2>/dev/null) || return 0
    [[ -n $pid ]] || return 0
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
}

redis_stop() {
    local dir=${1:-${REDIS_DIR:-}}
    [[ -n $dir && -d $dir ]] || return 0
    _redis_kill "$dir"
    rm -rf "$dir"
    echo "== Redis stopped" >&2
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    set -euo pipefail
    case ${1:-} in
        start)
            redis_start "${2:-}"
            echo "REDIS_DIR=$REDIS_DIR"
            echo "REDIS_URL=$REDIS_URL"
            ;;
        stop) redis_stop "${2:?usage: scripts/redis.sh stop DIR}" ;;
        *) echo "usage: scripts/redis.sh start [DIR] | stop DIR   (or: source scripts/redis.sh; redis_start; redis_stop)" >&2; exit 2 ;;
    esac
fi
