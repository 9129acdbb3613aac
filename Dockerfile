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
    STRIKEBOT_ARTICLES_DIR=/data/articles

WORKDIR /app
COPY pyproject.toml README.md ./
COPY knowledge ./knowledge
COPY bot ./bot
# The seed: the bundled articles, built once here and closed cleanly (no
# write-ahead log beside it). A new /data volume starts as a copy of it, made
# by the user the bot runs as, so the copy is the bot's to write.
RUN pip install --quiet -e . \
 && useradd --create-home --uid 10001 strikebot \
 && mkdir -p /app/seed /data && chown strikebot /data \
 && python -m bot ingest --db /app/seed/strikebot.db knowledge/articles \
 && test ! -e /app/seed/strikebot.db-wal

USER strikebot
VOLUME ["/data"]
# Python is PID 1 here: the bot handles SIGTERM itself (docker stop), closes
# the Discord connection and the database, and exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
