# Production image: gunicorn serving app:app as an unprivileged user (README, "Production").
# Three stages: the letter fonts from Debian's packages, the Python environment with the
# compiled catalogues, then a slim runtime holding only what those two produced.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# Fonts: only the files letters embed (portal/messaging/letter_fonts.py, checked by
# tests/test_container.py) and their licences, not the whole packages (fonts-noto-core alone
# is 40 MB). Versions are Debian 12's, the ones the letter tests render with.
FROM ${PYTHON_IMAGE} AS fonts
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        fonts-dejavu-core=2.37-6 fonts-noto-core=20201225-1 fonts-droid-fallback=1:6.0.1r16-1.1 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /letter-fonts
RUN mkdir dejavu noto droid licences \
    && cp /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf dejavu/ \
    && cp /usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf /usr/share/fonts/truetype/noto/NotoNaskhArabic-Bold.ttf \
          /usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf /usr/share/fonts/truetype/noto/NotoSansDevanagari-Bold.ttf \
          /usr/share/fonts/truetype/noto/NotoSansGurmukhi-Regular.ttf /usr/share/fonts/truetype/noto/NotoSansGurmukhi-Bold.ttf noto/ \
    && cp /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf droid/ \
    && for package in fonts-dejavu-core fonts-noto-core fonts-droid-fallback; do \
           cp "/usr/share/doc/$package/copyright" "licences/$package.copyright"; \
       done

# Python environment: pinned wheels (no compiler needed), catalogues compiled to .mo files,
# sources compiled to bytecode (the runtime user cannot write next to them).
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /venv
COPY requirements.txt /tmp/requirements.txt
RUN /venv/bin/pip install --no-cache-dir -r /tmp/requirements.txt
WORKDIR /app
COPY app.py babel.cfg gunicorn.conf.py ./
COPY portal portal
COPY migrations migrations
COPY templates templates
COPY static static
COPY translations translations
RUN /venv/bin/pybabel -q compile -d translations \
    && /venv/bin/python -m compileall -q app.py gunicorn.conf.py portal migrations

# Runtime: root owns every file; the portal runs as user 10001 and can change none of them.
FROM ${PYTHON_IMAGE}
RUN useradd --system --user-group --uid 10001 --no-create-home --home-dir /app --shell /usr/sbin/nologin portal
COPY --from=fonts /letter-fonts /usr/share/fonts/truetype
COPY --from=build /venv /venv
COPY --from=build /app /app
WORKDIR /app
ENV PATH=/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    FLASK_APP=app \
    PORTAL_ENV=production \
    LETTER_FONT_DIR=/usr/share/fonts/truetype
USER 10001:10001
EXPOSE 8000
# No curl in a slim image: Python asks /healthz, and a refused or non-200 answer raises.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["gunicorn", "--config", "gunicorn.conf.py", "app:app"]
