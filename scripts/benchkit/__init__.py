"""Helpers of `scripts/bench.py` (`make bench`): servers, timing, load, the figures.

Nothing here imports the dashboard or the sandbox: both are reached over HTTP, as a
browser and an Avara client reach them. The one exception is the decode
micro-benchmark (`speed.decode_cost`), which times the dashboard's wire models against
the official SDK's in this process.
"""
