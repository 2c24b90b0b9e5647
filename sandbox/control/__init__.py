"""The sandbox's control plane under /_sandbox/: set up and inspect the emulator from a
test, with its own key (settings.SANDBOX_CONTROL_KEY), never an API key.

Users and Express customers, reset to a seed, study ages and the test clock, the
request log and run-time faults. Documented in sandbox/README.md and in its own
OpenAPI document (sandbox/openapi-control.json, served at /_sandbox/openapi.json).
"""
