"""The two applications bench/web_benchmark.py serves with gunicorn, under the same settings.

    gunicorn --config gunicorn.conf.py 'bench.web_apps:portal_app()'
    gunicorn --config gunicorn.conf.py 'bench.web_apps:hello_app()'

`portal_app` is the real application with the environment's (production) settings, except
that Flask-Limiter's per-client limits on form posts are lifted: every request of the
benchmark comes from one address, which would be refused after 30 posts in ten minutes.
The failed-identification counters stay (the benchmark's identify post never fails a
check). `hello_app` is a bare Flask application answering "Hello, World!", the yardstick.
"""

from flask import Flask


def portal_app() -> Flask:
    from portal import create_app
    from portal.security.rate_limits import limiter

    app = create_app()
    limiter.request_filter(lambda: True)  # exempts every request from the per-route limits
    return app


def hello_app() -> Flask:
    app = Flask("hello")

    @app.get("/")
    def hello() -> str:
        return "Hello, World!"

    return app
