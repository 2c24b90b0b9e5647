"""A local, stateful, validating emulator of Avara's Viewer API (see sandbox/README.md).

Nothing in `studies/` imports this package: the dashboard reaches it over HTTP.
"""
