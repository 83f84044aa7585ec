#!/usr/bin/env bash
# `make run`: Baodao as its users will see it, on http://127.0.0.1:$PORT/ — DEBUG off, gunicorn,
# static files from WhiteNoise, the site's own Chinese error pages (a mistyped URL is 页面不存在, not
# Django's debug page listing every URL). The first run installs .venv, makes the secrets
# (SECRET_KEY, FIELD_KEY) and keeps them in .env (mode 600, git-ignored: scripts/local_env.py),
# migrates and loads the demo city into the empty database. Later runs reuse .env and the database;
# the demo is never loaded into a database that holds anything.
#
# `make dev` (scripts/run.sh --dev): the same .env and database, served by Django's runserver with
# DEBUG on (tracebacks, reloading on every change) — for development only.
#
# Settings come from the environment and .env (see .env.example); .env wins where both set one.
# Knobs of this script: PORT (8000); DATABASE_URL (empty: the SQLite file db.sqlite3);
# LOAD_DEMO=0 starts with an empty database; DEMO_SCALE (city; `tiny` for tests); ENV_FILE (.env).
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0
if [[ ${1:-} == --dev ]]; then
    dev=1
fi
env_file=${ENV_FILE:-.env}
[[ $env_file == /* ]] || env_file=./$env_file

bash scripts/venv.sh requirements.txt
py=.venv/bin/python

# Made once, then kept: FIELD_KEY encrypts the ID numbers and mobiles stored in the database.
$py scripts/local_env.py "$env_file"
set -a
# shellcheck disable=SC1090
source "$env_file"
set +a
port=${PORT:-8000}
# What users see has DEBUG off whatever .env says; only `make dev` shows Django's debug pages.
export DEBUG=$dev
export SITE_URL=${SITE_URL:-http://127.0.0.1:$port}

$py manage.py migrate --noinput
if [[ ${LOAD_DEMO:-1} != 0 ]]; then
    # The demo city into an empty database only (--force: DEBUG is off, and load_demo refuses a
    # production database without it); lists the demo accounts either way.
    $py manage.py load_demo --if-empty --force --scale "${DEMO_SCALE:-city}"
fi

echo
if ((dev)); then
    echo "Baodao 双报到 (开发 / development, DEBUG on): http://127.0.0.1:$port/"
    echo
    exec $py manage.py runserver "127.0.0.1:$port"
fi
$py manage.py collectstatic --noinput --verbosity 0
echo "Baodao 双报到: http://127.0.0.1:$port/"
if [[ ${LOAD_DEMO:-1} != 0 ]]; then
    echo "演示账号见上，密码均为 Baodao@2026 / demo accounts above, password Baodao@2026"
fi
echo
# Access log without the query string (%(U)s, not %(r)s) and without the referer: a search
# `?q=<ID number or mobile>` would otherwise put personal data in clear into the log.
access_format='%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
exec .venv/bin/gunicorn config.wsgi:application --workers 2 --bind "127.0.0.1:$port" \
    --access-logfile - --access-logformat "$access_format" --error-logfile -
