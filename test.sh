#!/usr/bin/env bash
# Runs the whole FaceRep.Grid test suite and ends with one line: "N passed, N failed".
# Needs only the .NET SDK and apt; the servers some suites use (redis-server, PostgreSQL) are
# installed here and started by those suites on loopback.
set -uo pipefail
cd "$(dirname "$0")"

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

# The cluster tests start their own redis-server, and the result-store tests their own PostgreSQL
# server (Debian's packages), on loopback on free ports; install them once where they are missing,
# with chromium for the report's browser test.
# apt's output goes to a file so the last line stays the summary.
missing=""
if ! command -v redis-server >/dev/null 2>&1 && [ ! -x /usr/bin/redis-server ]; then
    missing="redis-server"
fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    missing="$missing postgresql"
fi
# The report's browser test renders report.html in headless chromium.
if [ ! -x /usr/bin/chromium ]; then
    missing="$missing chromium"
fi
if [ -n "$missing" ]; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo -n"; fi
    echo "installing$missing for the tests (apt-get)"
    # Only the binaries are used: the tests start their own servers, whatever the packages start.
    if ! { $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing; } >"$results/apt.log" 2>&1; then
        echo "could not install$missing, so the tests that need them will fail; apt said:"
        tail -n 5 "$results/apt.log"
    fi
fi

dotnet build FaceRep.Grid.sln -c Debug --nologo -v quiet
build=$?
if [ "$build" -ne 0 ]; then
    echo "build failed"
    echo "0 passed, 1 failed"
    exit "$build"
fi

# Formatting is part of the contract: whitespace as .editorconfig says (the code-style and naming
# rules are errors in the build itself). A difference counts as one failure; the tests still run.
format_failed=0
if ! dotnet format whitespace FaceRep.Grid.sln --verify-no-changes --no-restore -v q >"$results/format.log" 2>&1; then
    echo "formatting differs from .editorconfig in these files ('dotnet format whitespace FaceRep.Grid.sln' fixes it):"
    grep -o '^[^(]*' "$results/format.log" | sort -u | head -n 20
    format_failed=1
fi

dotnet test FaceRep.Grid.sln --no-build --nologo \
    --logger "trx" --results-directory "$results" "$@"
status=$?

passed=0
failed=0
for trx in "$results"/*.trx; do
    [ -e "$trx" ] || continue
    counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
    p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
    f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
done

failed=$((failed + format_failed))
if [ "$format_failed" -ne 0 ] && [ "$status" -eq 0 ]; then
    status=1
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    # dotnet test failed without a failing test (a crashed test host, say): count it.
    failed=1
fi
echo "${passed} passed, ${failed} failed"
exit "$status"
