# syntax=docker/dockerfile:1
# Aisher's image: `aisher serve` (the Slack bot in Socket Mode plus the HTTP server for the
# Alertmanager webhook, the REST API, /metrics, /healthz and /readyz).
#
#   docker build -t aisher .
#   docker run --env-file .env -p 8080:8080 aisher
#
# Two stages: the builder installs the package and its dependencies into a virtualenv (with a
# compiler at hand, for any dependency that ships no wheel for this platform); the final stage
# copies only that virtualenv onto a clean slim image, so no compiler or pip cache ships.

FROM python:3.11-slim AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
WORKDIR /src
# The wheel carries the prompts and the Slack manifest (see pyproject.toml), so both are needed.
COPY pyproject.toml README.md manifest.yml ./
COPY prompts ./prompts
COPY bot ./bot
RUN /opt/venv/bin/pip install --upgrade pip \
    && /opt/venv/bin/pip install .

FROM python:3.11-slim

# A fixed numeric user, so Kubernetes' runAsNonRoot can check it without a passwd lookup.
RUN groupadd --system --gid 10001 aisher \
    && useradd --system --uid 10001 --gid aisher --home-dir /data --shell /usr/sbin/nologin aisher \
    && mkdir -p /data \
    && chown aisher:aisher /data
COPY --from=builder /opt/venv /opt/venv

# JSON log lines for log shippers; no .pyc writes, so a read-only root filesystem works; litellm
# reads its bundled price list instead of fetching one at start-up.
ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    AISHER_DATA_DIR=/data \
    AISHER_HTTP_PORT=8080 \
    AISHER_LOG_FORMAT=json \
    LITELLM_LOCAL_MODEL_COST_MAP=True

USER 10001:10001
WORKDIR /data
# The embedded store and captures live here; nothing else is written outside /tmp.
VOLUME ["/data"]
EXPOSE 8080

# slim has no curl: python's urllib raises on a refused connection or a non-2xx answer, which
# makes the exit status non-zero.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('AISHER_HTTP_PORT', '8080'), timeout=3)"]

# SIGTERM starts the graceful drain (AISHER_SHUTDOWN_GRACE_S, 20 s by default); give the
# container at least that long before SIGKILL (`docker stop -t 30`, `stop_grace_period`).
STOPSIGNAL SIGTERM
CMD ["aisher", "serve"]
