#!/usr/bin/env bash
# Builds the solution and runs every test project against real dependencies: a private PostgreSQL
# server (scripts/postgres.sh, installed from Debian packages when missing) and docker-compose for
# validating docker-compose.yml. Ends with one line "N passed, N failed"; exits non-zero on any failure.
#
#   scripts/test.sh                 everything
#   scripts/test.sh --filter EXPR   passed to dotnet test (e.g. --filter "FullyQualifiedName~Buffers")
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
configuration="${CONFIGURATION:-Release}"
results="$(mktemp -d "${TMPDIR:-/tmp}/toolgrains-results.XXXXXX")"
log() { printf 'test.sh: %s\n' "$*" >&2; }

# docker-compose validates docker-compose.yml in the deploy tests; no Docker engine is needed for `config`.
if ! command -v docker-compose >/dev/null 2>&1; then
    log "installing docker-compose (Debian package) for the compose file tests"
    if [[ "$(id -u)" == 0 ]]; then
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null) >&2 \
            || log "could not install docker-compose; the compose tests will fail and say so"
    else
        log "not root: install docker-compose yourself; the compose tests will fail without it"
    fi
fi

# The analytics page is tested in a real headless browser; without it that test fails and says how to install it.
if ! command -v chromium >/dev/null 2>&1; then
    log "installing chromium (Debian package) for the analytics page browser test"
    if [[ "$(id -u)" == 0 ]]; then
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) >&2 \
            || log "could not install chromium; the analytics page browser test will fail and say so"
    else
        log "not root: install chromium yourself; the analytics page browser test will fail without it"
    fi
fi

log "building ($configuration)"
dotnet build ToolGrains.sln -c "$configuration" -nologo -v q -clp:ErrorsOnly

pg_dir="$(mktemp -d "${TMPDIR:-/tmp}/toolgrains-pg.XXXXXX")"
rmdir "$pg_dir"
cleanup() {
    bash scripts/postgres.sh stop "$pg_dir" >/dev/null 2>&1 || true
}
trap cleanup EXIT
log "starting PostgreSQL"
bash scripts/postgres.sh start "$pg_dir" >/dev/null
export TOOLGRAINS_PG_DIR="$pg_dir"

status=0
for project in tests/ToolGrains.Core.Tests tests/ToolGrains.Tests; do
    name="$(basename "$project")"
    log "running $name"
    dotnet test "$project" -c "$configuration" --no-build -nologo -v q \
        --logger "trx;LogFileName=$name.trx" --results-directory "$results" "$@" || status=1
done

passed=0
failed=0
for trx in "$results"/*.trx; do
    [[ -f "$trx" ]] || continue
    counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
    p="$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")"
    f="$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")"
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
done
log "results: $results"
if [[ $failed -gt 0 ]]; then status=1; fi
if [[ $passed -eq 0 ]]; then log "no test ran"; status=1; fi
echo "$passed passed, $failed failed"
exit $status
