"""The Discord-free core, one folder a stage, each using only those below it:

    models      the result types every stage reaches (Article, Answer, Fact, ...)
    reading     an article becomes rows (text, quotes, figures, ingest)
    store       the SQLite knowledge base: every table, query and write
    semantic    the sentence encoder (an optional extra)
    engine      a question becomes an Answer (analysis, retrieve, features, ranker, answer)
    web         links and feeds become articles (fetch, pages, feeds)
    pipeline    the wiring above engine and encoder (the fitted tuning)
    training    fitting and measuring on questions with known answers
"""
