"""Gunicorn settings for production: the Dockerfile's command and bench/web_benchmark.py.

    gunicorn --config gunicorn.conf.py app:app

Threaded workers keep connections alive behind a load balancer and keep serving while a
request waits on the database or hashes a code with Argon2id (which releases the GIL). Each
process holds no state another would need (sessions are cookies or rows, rate limits in
Redis), so any number of them can run on any number of machines.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
keepalive = 5
timeout = 30
graceful_timeout = 30
# A fresh process now and then bounds what a slow leak could grow to.
max_requests = 10_000
max_requests_jitter = 1_000
# Heartbeat files in memory: a container's overlay file system can stall them.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108  (heartbeats only, no data)
# Gunicorn's access log would write every path, query string and client address; the portal
# writes its own request line instead (portal/logging_setup.py: endpoint names, a request id).
accesslog = None
# No control socket (gunicorn 25.1+ puts one in $HOME, which the image keeps read-only):
# processes are managed by restarting containers, not at run time.
control_socket_disable = True
# Only a proxy at these addresses may say the request came over https (X-Forwarded-Proto).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
