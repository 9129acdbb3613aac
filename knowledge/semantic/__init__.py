"""The sentence encoder: text becomes a unit vector (an optional extra).

`encoder`: all-MiniLM-L6-v2 run from its checked weights, in numpy or as an
ONNX graph built here (`onnx`), with an optional tuning of its top layers.
Gives vectors to the store (`embed_pending`) and to the engine. It does not
know about the ranker: `knowledge.pipeline` hands it the tuning the fitted
weights name.
"""
