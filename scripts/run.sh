#!/usr/bin/env bash
# `make run`: install (first time), migrate, load the demo city if the database is empty, serve.
#
# Reads .env if present (see .env.example). SQLite unless DATABASE_URL is set. PORT (default 8000).
# DEBUG on (default): Django's runserver, demo city loaded into an empty database.
# DEBUG off: collectstatic + gunicorn with 2 workers; the demo city is not loaded (load_demo refuses
# to fill a production database; run `manage.py load_demo --force` yourself if you want it).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -f .env ]]; then
    set -a
    # shellcheck disable=SC1091
    source ./.env
    set +a
fi
port=${PORT:-8000}
debug=$(tr '[:upper:]' '[:lower:]' <<<"${DEBUG:-true}" | tr -d '[:space:]')
case $debug in 1 | true | yes | on) debug=1 ;; *) debug=0 ;; esac

bash scripts/venv.sh requirements.txt
py=.venv/bin/python

$py manage.py migrate --noinput
if ((debug)); then
    $py manage.py load_demo --if-empty
else
    $py manage.py collectstatic --noinput --verbosity 0
fi

if ((debug)); then
    cat <<TEXT

Baodao 双报到: http://127.0.0.1:$port/
Demo accounts (password for all: Baodao@2026):
  city        市直机关工委管理员
  district    区管理员
  street      街道管理员
  community   社区工作人员
  compound    小区党支部书记
  unit        单位党组织书记
  member      在职党员
  resident    居民

TEXT
    exec $py manage.py runserver "127.0.0.1:$port"
else
    echo "Baodao 双报到 — http://127.0.0.1:$port/ (DEBUG off, gunicorn)"
    exec .venv/bin/gunicorn config.wsgi:application --workers 2 --bind "127.0.0.1:$port" \
        --access-logfile - --error-logfile -
fi
