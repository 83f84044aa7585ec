#!/usr/bin/env bash
# `make test`: the whole suite, once on SQLite and once on PostgreSQL (with Redis), on a fresh Debian.
#
#   scripts/test.sh [PYTEST ARGS...]      e.g. scripts/test.sh -k scope
#
# 1. System packages: PostgreSQL, Redis, Chromium (+ driver), a CJK font, poppler-utils, zbar-tools.
#    Missing ones are installed with apt-get when we are root; otherwise the script says what to
#    install and fails. 2. .venv with requirements-dev.txt (only when it changed). 3. A throwaway
#    PostgreSQL cluster and Redis on 127.0.0.1, stopped on exit. 4. pytest on SQLite, then on
#    PostgreSQL. Exit status is non-zero if either run fails or collects no test (pytest exit 5).
#
# Knobs: TEST_WORKERS (pytest-xdist processes, default 2; 0 = serial in one process).
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
# Per-stage times, printed at the end with the runs' results.
stages=()
stage_start=$SECONDS
stage_done() {
    stages+=("$(printf '%-26s %ss' "$1:" $((SECONDS - stage_start)))")
    stage_start=$SECONDS
}

# --- 1. system packages ------------------------------------------------------------------------
missing=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
[[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]] || missing+=(fonts-wqy-microhei)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
command -v zbarimg >/dev/null || missing+=(zbar-tools)
# Python 3.11 with venv (Debian 12's python3); pg.sh and redis.sh also use python3 to find free ports.
command -v python3 >/dev/null || missing+=(python3)
if [[ ! -x .venv/bin/python ]] && ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    missing+=(python3-venv)
fi

if ((${#missing[@]})); then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        echo "== apt-get install ${missing[*]}"
        # Keep apt from starting the packaged PostgreSQL/Redis services: we run our own, throwaway ones.
        policy_created=
        if [[ ! -e /usr/sbin/policy-rc.d ]]; then
            printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
            chmod 755 /usr/sbin/policy-rc.d
            policy_created=1
        fi
        rc=0
        { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } || rc=$?
        [[ -z $policy_created ]] || rm -f /usr/sbin/policy-rc.d
        ((rc == 0)) || { echo "make test: apt-get failed (exit $rc)" >&2; exit "$rc"; }
    else
        echo "make test needs these Debian packages, which are missing: ${missing[*]}" >&2
        echo "Install them as root, then run make test again:" >&2
        echo "    apt-get update && apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
fi

stage_done "system packages"

# --- 2. Python packages ------------------------------------------------------------------------
bash scripts/venv.sh requirements-dev.txt
stage_done "Python packages"

# --- 3. services -------------------------------------------------------------------------------
# shellcheck source=scripts/pg.sh
source scripts/pg.sh
# shellcheck source=scripts/redis.sh
source scripts/redis.sh
cleanup() {
    redis_stop || true
    pg_stop || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The runs must not depend on the caller's shell (a .env exported for `make run`, say).
unset DEBUG DATABASE_URL REDIS_URL CELERY_EAGER FIELD_KEY FIELD_KEY_FILE SECRET_KEY SECRET_KEY_FILE \
    ALLOWED_HOSTS SQLITE_TEST_NAME DJANGO_SETTINGS_MODULE
pg_start
redis_start
stage_done "PostgreSQL and Redis up"
pg_url=$DATABASE_URL
redis_url=$REDIS_URL
unset DATABASE_URL REDIS_URL

# --- 4. the suite, twice -----------------------------------------------------------------------
workers=${TEST_WORKERS:-2}
xdist=()
# loadgroup: the tests of background jobs (xdist_group "celery-worker", tests/worker.py) share one
# xdist process, so one real Celery worker serves them all; the other tests are spread as usual.
((workers > 0)) && xdist=(-n "$workers" --dist loadgroup)

describe() {
    case $1 in
        0) echo "passed" ;;
        1) echo "FAILED (tests failed)" ;;
        2) echo "FAILED (interrupted)" ;;
        3) echo "FAILED (pytest internal error)" ;;
        4) echo "FAILED (pytest usage error)" ;;
        5) echo "FAILED (no tests ran)" ;;
        *) echo "FAILED (exit $1)" ;;
    esac
}

summary=()
status=0
run_suite() {
    local label=$1 slug=$2 rc=0 t0=$SECONDS
    shift 2
    echo
    echo "================ $label ================"
    env "$@" .venv/bin/python -m pytest "${xdist[@]}" -rfEs --durations=10 \
        --screenshot only-on-failure --output "test-artifacts/playwright-$slug" "${PYTEST_ARGS[@]}" || rc=$?
    summary+=("$(printf '%-26s %s in %ss' "$label:" "$(describe "$rc")" $((SECONDS - t0)))")
    ((rc == 0)) || status=1
    if ((rc == 2)); then # Ctrl-C: pytest caught it, so bash's INT trap may not fire
        printf '%s\n' "${summary[@]}"
        exit 130
    fi
}

PYTEST_ARGS=("$@")
run_suite "SQLite" sqlite
# Tests marked one_leg use neither database (make run on a SQLite file of their own): once is enough.
# Tests run their jobs eagerly (conftest.py) unless they ask for `celery_worker`: with PostgreSQL and
# Redis that is one real `celery -A config worker` process, started for the first of them and
# stopped after the last (tests/worker.py).
run_suite "PostgreSQL + Redis" postgresql DATABASE_URL="$pg_url" REDIS_URL="$redis_url" BAODAO_SECOND_LEG=1

echo
echo "================ make test ================"
printf '%s\n' "${stages[@]}"
printf '%s\n' "${summary[@]}"
if ((status == 0)); then
    echo "make test: all runs passed ($((SECONDS - started))s)"
else
    echo "make test: FAILED ($((SECONDS - started))s)"
fi
exit "$status"
