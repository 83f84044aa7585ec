.PHONY: run dev test lint bench

# make run   - install (first time), make the secrets in .env (first time), migrate, load the demo city into an
#              empty database, serve it as users see it (DEBUG off, gunicorn) on http://127.0.0.1:8000
# make dev   - the same .env and database with Django's runserver and DEBUG on (tracebacks, auto-reload)
# make test  - the whole suite on SQLite and on PostgreSQL (installs what it needs; see scripts/test.sh)
# make lint  - ruff check + ruff format --check + mypy (django-stubs) on baodao/ and config/
# make bench - 100k-member import, home page throughput, similar demands and claims under load on PostgreSQL (bench/run.sh)

run:
	@bash scripts/run.sh

dev:
	@bash scripts/run.sh --dev

test:
	@bash scripts/test.sh $(ARGS)

lint:
	@bash scripts/venv.sh requirements-dev.txt
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

bench:
	@bash scripts/venv.sh requirements-dev.txt
	bash bench/run.sh
