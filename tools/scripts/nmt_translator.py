#!/usr/bin/env python3
"""A neural machine translation client. It needs NMT_API_KEY; without it, it fails as such services do."""
import json
import os
import sys

json.load(sys.stdin)
if not os.environ.get("NMT_API_KEY"):
    print("AuthenticationError: API key missing (set NMT_API_KEY)", file=sys.stderr)
    sys.exit(1)
print("ServiceUnavailableError: no NMT endpoint is reachable from this machine", file=sys.stderr)
sys.exit(1)
