# Production image of the dashboard (gunicorn + whitenoise). The sandbox is off here:
# set AVARA_BASE_URL / AVARA_API_KEY to the real Avara API.
FROM python:3.13-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_ENV=production
WORKDIR /app

COPY pyproject.toml README.md ./
COPY dashboard ./dashboard
COPY studies ./studies
COPY sandbox ./sandbox
RUN pip install --no-compile .

COPY manage.py ./
COPY templates ./templates
COPY static ./static

# collectstatic needs settings to import; these throwaway values never reach runtime.
RUN DJANGO_SECRET_KEY=build-only AVARA_BASE_URL=https://invalid.example AVARA_API_KEY=build-only \
    python manage.py collectstatic --noinput

RUN useradd --system --uid 10001 triage && mkdir -p /app/var && chown triage /app/var
USER triage

EXPOSE 8000
CMD ["gunicorn", "dashboard.wsgi:application", "--bind", "0.0.0.0:8000", \
     "--workers", "3", "--threads", "4", "--worker-class", "gthread", "--access-logfile", "-"]
