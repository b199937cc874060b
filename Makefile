# The two commands of the README, and a few conveniences around them.
.PHONY: demo test services stop lint bench

demo:  ## install, start ES + Redis, load demo data, serve API and worker
	scripts/demo.sh

test:  ## install, start ES + Redis, ruff + mypy + the whole pytest suite
	scripts/test.sh

services:  ## start Elasticsearch and Redis only
	scripts/services.sh start

stop:  ## stop Elasticsearch and Redis
	scripts/services.sh stop

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy
