# course-inventory: nightly batch ETL image. Build: docker build -t course-inventory .
# Runs as a fixed non-root uid; OpenShift's random uid also works (files are group-0 readable).

# --- builder: resolve and install the pinned dependencies into a self-contained venv ---------
FROM python:3.11-slim-bookworm AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

# Only requirements.txt here, so code changes do not invalidate the dependency layer.
COPY requirements.txt /tmp/requirements.txt
# Every dependency ships a wheel or is pure Python, so no compiler is installed at all.
RUN pip install --no-cache-dir --prefer-binary -r /tmp/requirements.txt

# --- runtime: the venv and the application, nothing else -------------------------------------
FROM python:3.11-slim-bookworm AS runtime

LABEL org.opencontainers.image.title="course-inventory" \
      org.opencontainers.image.description="Nightly ETL of Canvas, Zoom and MiVideo usage into MySQL"

# USER is read by getpass.getuser() (yoyo logs it with each applied migration); it must be set
# explicitly because a random OpenShift uid has no /etc/passwd entry to fall back on.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TZ=UTC \
    HOME=/tmp \
    USER=course-inventory

# Group 0 owns what must be writable, so any uid in the root group (OpenShift) can use it.
RUN useradd --system --uid 10001 --gid 0 --no-create-home --home-dir /tmp \
        --shell /usr/sbin/nologin course-inventory

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
COPY . /app
# Bytecode is compiled now because the root filesystem is read-only at run time. The code is
# made readable whatever the builder's umask; only data/ is writable, by the uid and group 0.
RUN python -m compileall -q /app \
    && mkdir -p /app/data /app/config/secrets \
    && chmod -R a+rX,go-w /app \
    && chown 10001:0 /app/data \
    && chmod 0775 /app/data

USER 10001

# A batch job, not a server: liveness is the exit code and the job_run table.
HEALTHCHECK NONE

CMD ["python", "run_jobs.py"]
