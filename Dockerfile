# strikebot: the Discord bot, with its knowledge base on a volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    STRIKEBOT_DB=/data/strikebot.db \
    STRIKEBOT_SEED_DB=/app/seed/strikebot.db \
    STRIKEBOT_ARTICLES_DIR=/data/articles

WORKDIR /app
COPY pyproject.toml README.md ./
COPY knowledge ./knowledge
COPY bot ./bot
RUN pip install -e . \
 && python -m bot ask --db /app/seed/strikebot.db "How many ballots were cast?" \
 && useradd --create-home --uid 10001 strikebot \
 && mkdir -p /data && chown strikebot /data

USER strikebot
VOLUME ["/data"]
CMD ["python", "-m", "bot", "run"]
