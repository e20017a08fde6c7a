FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# collectstatic needs settings but no database; the placeholder URL is never connected to.
RUN DEBUG=0 SECRET_KEY=build-only DATABASE_URL=postgres://build@localhost/build STATIC_ROOT=/app/staticfiles \
    python manage.py collectstatic --noinput

RUN useradd --create-home --uid 10001 explorer && chown -R explorer /app
USER explorer
ENV STATIC_ROOT=/app/staticfiles PORT=8000
EXPOSE 8000
CMD ["scripts/docker-entrypoint"]
