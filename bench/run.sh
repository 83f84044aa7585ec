#!/usr/bin/env bash
# `make bench`: the numbers of issue 2 §4 and §5 on a throwaway PostgreSQL, printed as
# `bench <name>: key=value ...` lines, each with its baseline from the same run.
#
#   a. import of 100,000 member rows through a real Celery worker (upload to "done", the job followed
#      from another connection) vs plain openpyxl reading of the same file      (target < 60 s)
#   b. logged-in member home page vs /healthz under gunicorn + wrk        (≥ 1,000 req/s, p99 < 100 ms)
#   d. the three lists: top-5 similar demands among 5,000 open ones (target < 100 ms) vs reading them;
#      1,000 concurrent claim requests over HTTP on a 10-slot item: exactly 10 succeed, 990 get 409
#   c. load_demo --scale province (~1,000,000 members)                    (target < 15 min)
#      and the scoped member count of directory.scope vs hand-written SQL on that data,
#      and the three coverages of the whole province vs hand-written SQL (target < 1 s),
#      and the three lists' figures of the province from counters vs aggregate over ~1M demands (target < 1 s)
#      and who is behind in the province from counters vs hand-written SQL over ~10M records (target < 1 s)
#
# Knobs: BENCH_PROVINCE=0 skips c (it takes several minutes); BENCH_IMPORT_ROWS (100000, 0 skips a);
# BENCH_HTTP_DURATION (10s); PG_OPTS (server options, default below); PG_FAST=0 keeps fsync on.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
py=$root/.venv/bin/python
[[ -x $py ]] || bash scripts/venv.sh requirements-dev.txt

if ! command -v wrk >/dev/null; then
    if [[ $(id -u) == 0 ]]; then
        echo "== installing wrk (apt)"
        apt-get install -y -q wrk >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; }
    else
        echo "bench: wrk is missing; install it (Debian: sudo apt-get install wrk) and run again" >&2
        exit 1
    fi
fi

# shellcheck source=scripts/pg.sh
source scripts/pg.sh
# A bench server gets a bench server's memory; the data is throwaway (PG_FAST, see scripts/pg.sh).
export PG_OPTS=${PG_OPTS:-"-c shared_buffers=1GB -c max_wal_size=8GB -c maintenance_work_mem=512MB"}
pg_start
trap pg_stop EXIT
pg_port=$PG_PORT
# Production runs Redis: the cache (sessions, rules, the member home page) is measured with it.
# shellcheck source=scripts/redis.sh
source scripts/redis.sh
redis_start
trap 'redis_stop; pg_stop' EXIT

# Production settings: DEBUG off, secrets from the environment, only the loopback host.
export DEBUG=0 ALLOWED_HOSTS=127.0.0.1 LOG_LEVEL=WARNING
SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(40))')
FIELD_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
export SECRET_KEY FIELD_KEY

echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== city-scale demo data on PostgreSQL"
$py manage.py migrate --noinput -v0
$py manage.py collectstatic --noinput -v0
$py manage.py load_demo --force

if [[ ${BENCH_IMPORT_ROWS:-100000} != 0 ]]; then
    echo "== a. roster import (${BENCH_IMPORT_ROWS:-100000} member rows)"
    $py bench/import_members.py
fi

echo "== b. member home page vs /healthz (gunicorn, 2 sync workers; wrk -t2 -c32 --latency)"
$py bench/http_home.py

echo "== d. the three lists: similar demands among 5,000; 1,000 concurrent claims over HTTP on a 10-slot item"
$py bench/needs.py

if [[ ${BENCH_PROVINCE:-1} != 0 ]]; then
    echo "== c. province scale: ~1,000,000 members; this takes several minutes (BENCH_PROVINCE=0 skips it)"
    _pg_as "$(_pg_bin)/psql" -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
        -c "CREATE DATABASE baodao_province OWNER baodao" >/dev/null
    export DATABASE_URL="postgres://baodao@127.0.0.1:$pg_port/baodao_province"
    $py manage.py migrate --noinput -v0
    start=$(date +%s.%N)
    $py manage.py load_demo --scale province --force
    seconds=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.0f}')" "$start" "$(date +%s.%N)")
    verdict=$([[ $seconds -lt 900 ]] && echo OK || echo MISSED)
    echo "bench load_demo_province: seconds=$seconds target=<900s:$verdict"
    $py bench/province_scope.py
    $py bench/province_coverage.py
    $py bench/needs_province.py  # ~1 demand per in-service member, figures from counters vs aggregate
    $py bench/records_province.py  # ~10M service records, who is behind from counters vs raw SQL
fi
echo "== done (load average now $(cut -d' ' -f1-3 /proc/loadavg))"
