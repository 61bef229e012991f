#!/usr/bin/env bash
# http-check PORT PATH: exit 0 when GET http://127.0.0.1:PORT/PATH answers 200, 1 otherwise.
#
# Container health checks without curl or wget: the .NET runtime images (and Qdrant's) ship neither,
# and installing one only for a probe adds a package, an apt step at build time and attack surface.
# bash's /dev/tcp is enough for one plain HTTP/1.0 request to localhost; the caller (Docker's
# HEALTHCHECK, compose's healthcheck) bounds the time it may take.
set -u
port="${1:?usage: http-check PORT PATH}"
path="${2:-/}"
exec 3<>"/dev/tcp/127.0.0.1/${port}" || exit 1
printf 'GET %s HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$path" >&3
IFS= read -r status <&3 || exit 1
exec 3<&- 3>&-
case "$status" in
  "HTTP/1."[01]" 200"*) exit 0 ;;
  *) echo "GET $path: ${status%$'\r'}" >&2; exit 1 ;;
esac
