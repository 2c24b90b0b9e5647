# Production image of the dashboard: gunicorn (dashboard/gunicorn_conf.py) + whitenoise.
# The sandbox is a product of its own and is not in the image: AVARA_BASE_URL and
# AVARA_API_KEY name the real Avara API.
# Every setting comes from the environment (see .env.example and the README).
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_ENV=production \
    DJANGO_STATIC_ROOT=/app/staticfiles \
    DJANGO_MIGRATE_ON_START=1 \
    PORT=8000
WORKDIR /app

# Dependencies and our packages first: they change less often than templates and CSS.
COPY pyproject.toml README.md ./
COPY dashboard ./dashboard
COPY studies ./studies
RUN pip install --no-cache-dir --no-compile .

COPY manage.py ./
COPY templates ./templates
COPY static ./static
COPY scripts/container-healthcheck ./scripts/

# Static files, hashed and compressed (whitenoise's CompressedManifestStaticFilesStorage),
# built once here. The settings must import; these throwaway values never reach runtime.
RUN DJANGO_SECRET_KEY=build-only AVARA_BASE_URL=https://build.invalid AVARA_API_KEY=build-only \
    DJANGO_ALLOWED_HOSTS=build.invalid python manage.py collectstatic --noinput -v 0

# A user of its own (numeric, so runAsNonRoot-style checks can verify it); it may write
# only var/ (the SQLite database when DATABASE_URL is unset).
RUN groupadd --system --gid 10001 triage \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin triage \
    && mkdir -p /app/var && chown 10001:10001 /app/var
USER 10001:10001

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "scripts/container-healthcheck"]
CMD ["gunicorn", "-c", "dashboard/gunicorn_conf.py", "dashboard.wsgi"]
