# relief web / worker / beat image (docker-compose.yml runs all three from it).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# CJK font for PDFs (WeasyPrint) and pango, which WeasyPrint draws text with;
# postgresql-client for `manage.py backup` / `restore` (pg_dump, pg_restore).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 postgresql-client \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Dependencies first (pinned in pyproject.toml) so code changes reuse this layer.
COPY pyproject.toml ./
RUN pip install .
COPY . .

RUN useradd --system --uid 1000 --home /app relief \
 && mkdir -p /app/var /data/media /data/beat \
 && chown -R relief:relief /app/var /data

ENV RELIEF_VAR_DIR=/app/var \
    STATIC_ROOT=/app/var/staticfiles \
    MEDIA_ROOT=/data/media \
    STATIC_MANIFEST=1
USER relief
EXPOSE 8000
CMD ["gunicorn", "relief.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "2", "--access-logfile", "-"]
