"""Reading: an article becomes rows.

Takes an article's text (a file, an upload, a fetched page's prose) and gives
its metadata, paragraphs and sentences, with the figures and quotes each
sentence holds and the people it introduces (`ingest.parse_article`). The
word-level helpers every other stage shares (folding, stemming, stopwords)
live here too (`text`). Imports nothing from the stages above.
"""
