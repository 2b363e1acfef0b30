"""The production web server's settings (``sejahtera serve --production`` passes this file to
gunicorn). Environment: ``SEJAHTERA_WEB_WORKERS`` (default two per CPU this process may use,
plus one), ``SEJAHTERA_WEB_TIMEOUT`` (seconds a request may take, default 120: a what-if
targeting run or a decree's PDF is slow), ``SEJAHTERA_FORWARDED_ALLOW_IPS`` (the proxies whose
``X-Forwarded-*`` headers count, default only the local host)."""

import os

from sejahtera.config.logging import logging_config

workers = int(os.environ.get("SEJAHTERA_WEB_WORKERS", "0")) or 2 * len(os.sched_getaffinity(0)) + 1
timeout = int(os.environ.get("SEJAHTERA_WEB_TIMEOUT", "120"))
graceful_timeout = 30
# Workers restart now and then, so that no slow leak grows for ever; jitter keeps them apart.
max_requests = 2000
max_requests_jitter = 200
# In memory, not on a container's overlay disk, where the heartbeat file can stall a worker.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
forwarded_allow_ips = os.environ.get("SEJAHTERA_FORWARDED_ALLOW_IPS", "127.0.0.1")
# The application logs each request itself, with its id and without its query string.
accesslog = None
# The server's own lines (start, workers, timeouts) as JSON, like the application's.
logconfig_dict = logging_config(
    json_lines=True, level=os.environ.get("SEJAHTERA_LOG_LEVEL", "WARNING")
)
# gunicorn stops its logger's propagation, so it gets the handler itself.
logconfig_dict["loggers"]["gunicorn.error"] = {"level": "INFO", "handlers": ["console"]}
