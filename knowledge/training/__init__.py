"""Training and measuring: questions with known answers become fitted weights and figures.

`evaluate`: runs question files through an engine and tallies right, wrong
and abstained answers; `fit`: fits the ranker's weights on the training split
(`knowledge/data/ranker.json`); `tune`: tunes the encoder's top layers (needs
torch). Uses every stage below; nothing imports it but the command line.
"""
