"""gunicorn settings for production (docker-compose) and the benchmark, all from the environment."""
import multiprocessing
import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", str(min(4, multiprocessing.cpu_count() * 2))))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = 5
# Trust X-Forwarded-Proto (HTTPS ended at a proxy) only from these addresses: the proxy in front.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "5000"))
accesslog = "-"
errorlog = "-"
# Request id, method, path without the query string (search terms can be personal), status, bytes, time.
# No client address, user agent or referrer: logs hold no personal data.
access_log_format = '[%({x-request-id}o)s] %(m)s %(U)s %(s)s %(B)s %(M)sms'
# Bound request-line and header sizes so oversized requests are refused before Django sees them.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# gunicorn's own error lines go through the same redacting formatter as Django's: they would otherwise name
# client addresses ("Invalid request from ip=...").
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "redacted": {"()": "explorer.log.RedactingFormatter", "format": "%(asctime)s %(levelname)s [gunicorn] %(message)s"},
        # The access line's format names no client address (access_log_format): no redaction per request.
        "access": {"format": "%(message)s"},
    },
    "handlers": {
        "error": {"class": "logging.StreamHandler", "formatter": "redacted", "stream": "ext://sys.stderr"},
        "access": {"class": "logging.StreamHandler", "formatter": "access", "stream": "ext://sys.stdout"},
    },
    "root": {"level": "INFO", "handlers": ["error"]},  # gunicorn's defaults name a handler this replaces
    "loggers": {
        "gunicorn.error": {"handlers": ["error"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
    },
}
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
