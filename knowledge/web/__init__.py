"""The web: links and feeds become articles.

`fetch`: one guarded HTTP(S) request (no private addresses, size and time
limits); `pages`: a fetched page's prose and metadata, as an article to read;
`feeds`: RSS/Atom feeds polled for new stories. Gives text to `reading` and
rows to `store`; nothing below imports it.
"""
