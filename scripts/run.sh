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
    # Lists the demo accounts whether it loads the city or finds the database already filled.
    $py manage.py load_demo --if-empty
    echo
    echo "Baodao 双报到: http://127.0.0.1:$port/   (演示账号见上，密码 Baodao@2026 / demo accounts above)"
    echo
    exec $py manage.py runserver "127.0.0.1:$port"
else
    $py manage.py collectstatic --noinput --verbosity 0
    echo "Baodao 双报到: http://127.0.0.1:$port/   (DEBUG off, gunicorn)"
    # Access log without the query string (%(U)s, not %(r)s) and without the referer: a search
    # `?q=<ID number or mobile>` would otherwise put personal data in clear into the log.
    access_format='%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
    exec .venv/bin/gunicorn config.wsgi:application --workers 2 --bind "127.0.0.1:$port" \
        --access-logfile - --access-logformat "$access_format" --error-logfile -
fi
