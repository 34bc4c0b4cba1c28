#!/usr/bin/env bash
# The whole test suite: installs the Debian packages the tests need when they are missing (and
# we may: root), starts a throwaway PostgreSQL cluster on a free loopback port in a temp dir,
# runs every test on both database dialects and in Chromium, then stops the cluster.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' || need+=(fonts-noto-cjk)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "test:all: installing ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
  else
    echo "test:all: missing Debian packages: ${need[*]} (apt-get install them, or run as root)" >&2
    exit 1
  fi
fi

# A throwaway PostgreSQL for the repository tests of the second dialect; the browser suite must run.
export CERTOPS_TEST_REQUIRE_PG=1
export CERTOPS_TEST_REQUIRE_BROWSER=1
exec bash scripts/with-postgres.sh bash -c 'CERTOPS_TEST_PG_URL="$CERTOPS_PG_URL" exec npx vitest run "$@"' vitest-run "$@"
