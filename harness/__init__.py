"""The measuring harness: the benchmark (`strikebot bench`), the fault run
(`strikebot faults`), the synthetic articles they load, and the loopback
Discord that the burst of concurrent /ask interactions goes through.

Not part of the bot: the command line imports it lazily.
"""
