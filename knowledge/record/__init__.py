"""The record: what the sources say happened when, and whether a claim matches it.

Takes the store (articles with their dates, sentences, figures and quotes, and
moderators' facts) and the reading helpers, and gives:
1. `timeline`: the dated events the articles report (votes, offers, deadlines,
   talks starting and breaking off, strikes starting and ending, deals and
   ratifications), one verbatim line each, dated from the text or, failing that,
   from the article, with every source that reports it;
2. `check`: a member's claim checked against the same sources: supported,
   contradicted (a figure of the same kind about the same thing that differs, or
   a quote whose words differ) or not found, always with the passages it rests on.
Both work within one server's scope. Imports reading, store and the result types;
never the answer engine, web or training.
"""
