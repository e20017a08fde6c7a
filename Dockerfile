FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# collectstatic needs production settings but no database; these placeholders are never used to serve.
RUN DJANGO_ENV=production SECRET_KEY=build-only-placeholder-never-used-to-serve-0123456789abcdef \
    ALLOWED_HOSTS=build DATABASE_URL=postgres://build@localhost/build STATIC_ROOT=/app/staticfiles \
    python manage.py collectstatic --noinput

RUN useradd --create-home --uid 10001 explorer && chown -R explorer /app
USER explorer
ENV STATIC_ROOT=/app/staticfiles PORT=8000
EXPOSE 8000
CMD ["scripts/docker-entrypoint"]
