#!/bin/bash
# A client of a remote translation API that never answers here: it hangs as a call into a dead network
# would, well past its timeout_seconds, so ToolGrains kills it and records a timeout.
cat > /dev/null
echo "connecting to translation.googleapis.com ..." >&2
sleep 30
echo "NetworkError: timed out" >&2
exit 1
