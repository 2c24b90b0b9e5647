"""Wait until a URL answers (any HTTP status), or give up after a while: `make run` uses it
to start the dashboard's demo accounts only once the sandbox is serving."""

import sys
import time

import httpx

url = sys.argv[1]
deadline = time.monotonic() + float(sys.argv[2] if len(sys.argv) > 2 else 30)
while True:
    try:
        httpx.get(url, timeout=2)
        sys.exit(0)
    except httpx.HTTPError:
        if time.monotonic() > deadline:
            sys.exit(f"{url} did not answer in time")
        time.sleep(0.2)
