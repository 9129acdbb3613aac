"""The answer engine: a question becomes an `Answer`.

Takes a member's question and a store, and gives an `Answer` (a sourced
sentence, figure or quote, or the closest passages, or suggestions):
1. `analysis`: what the question asks (its words, the kind of figure or the
   person it wants, the story it names);
2. `retrieve`: the candidate sentences, from the store's full-text index;
3. `features`: what speaks for each candidate;
4. `ranker`: the fitted weights that score the candidates and say how sure
   the best one is;
5. `answer`: the line that joins them (`Engine.ask`).
An encoder, when one is given, adds a semantic similarity; the engine calls
it and never looks inside it. Imports reading, store and the result types;
never web or training.
"""
