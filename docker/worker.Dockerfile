# The image a Prefect docker work pool runs golive's flows in: golive, its tasks and flows,
# installed from the build context (this repository's checkout).
#   git archive --format=tar HEAD | docker build -f docker/worker.Dockerfile \
#     --build-arg BASE_IMAGE=golive/python-base:bookworm --network host -t golive/worker:latest -
# (a tar of the tracked files keeps .venv and .golive out of the context)
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}

# Debian's python refuses system-wide pip installs: golive gets its own virtual environment.
ENV VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 \
    PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=1
RUN python3 -m venv /opt/venv

WORKDIR /opt/golive
# The metadata first: the dependency layer survives a change to the code.
COPY pyproject.toml README.md ./
COPY golive ./golive
COPY tasks ./tasks
COPY flows ./flows
RUN pip install --no-cache-dir --disable-pip-version-check .

# The bundled example, so a deployment's default manifest resolves inside the container, and
# the deployments (prefect.yaml, deployments/deploy.py) for compose's one-shot `deploy`.
COPY examples ./examples
COPY prefect.yaml ./
COPY deployments ./deployments
# golive state (ledger, releases, environments): mount a volume here to keep it.
ENV GOLIVE_HOME=/var/lib/golive
CMD ["golive", "--help"]
