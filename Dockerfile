# Production image: gunicorn serving app:app as a non-root user.
# Build stage: install dependencies into a virtual environment and compile the catalogues.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN python -m venv /venv
COPY requirements.txt .
RUN /venv/bin/pip install -r requirements.txt
COPY app.py babel.cfg ./
COPY portal portal
COPY migrations migrations
COPY templates templates
COPY static static
COPY translations translations
RUN if ls translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then /venv/bin/pybabel compile -d translations; fi

# Run stage: only the environment and the application files.
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core fonts-noto-core fonts-droid-fallback && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin portal
WORKDIR /app
COPY --from=build /venv /venv
COPY --from=build /app /app
ENV PATH=/venv/bin:$PATH PORTAL_ENV=production PYTHONUNBUFFERED=1 FLASK_APP=app
USER portal
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/', timeout=2)"]
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "4", "app:app"]
