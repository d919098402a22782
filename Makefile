# Rightsdesk: `make run` for the embedded set-up, `make test` for the whole suite.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
# `make test` honours DATABASE_URL and REDIS_URL, defaulting to the local servers.
export TEST_DATABASE_URL := $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/rightsdesk)
export REDIS_URL ?= redis://127.0.0.1:6379/0
export TEST_CACHE_URL ?= redis://127.0.0.1:6379/1
# Two workers, one a core: the suite takes about a third of its serial time.
PYTEST_ARGS ?= -n 2

.PHONY: run test install messages migrate seed check-services system-packages clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

install: system-packages $(VENV)/.installed

# Debian packages (gettext, fonts, Pango, and Chromium for the tests): installed as root, else named.
system-packages:
	bash .ci/system-packages $(if $(filter test,$(MAKECMDGOALS)),test,run)

messages: install
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv -v 0

run: install messages
	mkdir -p var/mail var/broker/out var/broker/processed var/broker/control var/media
	DEBUG=1 $(PY) manage.py migrate --no-input -v 0
	DEBUG=1 $(PY) manage.py create_log_key --if-missing
	DEBUG=1 $(PY) manage.py seed_demo
	DEBUG=1 $(VENV)/bin/honcho start -f Procfile

# Tests run on PostgreSQL and Redis only; fail fast if either is not there.
test: install messages check-services
	mkdir -p var/staticfiles
	DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(REDIS_URL) CACHE_URL=$(TEST_CACHE_URL) \
	SECRET_KEY=test-secret-key-not-for-production-use-0123456789 DEBUG=0 \
	BIOMETRIC_KEYS=$$($(PY) -c 'import base64;print(base64.urlsafe_b64encode(b"k"*32).decode())') \
	SUBJECT_WRAPPING_KEYS=$$($(PY) -c 'import base64;print(base64.urlsafe_b64encode(b"s"*32).decode())') \
	IDENTIFIER_PEPPER=test-pepper-not-for-production-0123456789 \
	TRANSPARENCY_LOG_KEY_FILE=$(CURDIR)/var/test-transparency-log.key \
	SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0 \
	WEBHOOK_ALLOW_HTTP=1 WEBHOOK_ALLOW_PRIVATE_ADDRESSES=1 \
	$(PY) -m pytest $(PYTEST_ARGS)

check-services: install
	$(PY) -c 'import psycopg, sys, os; psycopg.connect(os.environ["TEST_DATABASE_URL"].rsplit("/",1)[0] + "/postgres", connect_timeout=5).close()' \
		|| (echo "PostgreSQL is not reachable at $$TEST_DATABASE_URL" >&2; exit 1)
	$(PY) -c 'import redis, os; redis.Redis.from_url(os.environ["REDIS_URL"], socket_connect_timeout=5).ping()' \
		|| (echo "Redis is not reachable at $$REDIS_URL" >&2; exit 1)

clean:
	rm -rf var
