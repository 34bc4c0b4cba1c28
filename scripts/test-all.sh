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
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
[ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ] || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "test:all: installing ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  else
    echo "test:all: missing Debian packages: ${need[*]} (apt-get install them, or run as root)" >&2
    exit 1
  fi
fi

tmp=$(mktemp -d /tmp/certops-pg.XXXXXX)
port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
as_pg=()
if [ "$(id -u)" = 0 ]; then
  chown postgres:postgres "$tmp"
  as_pg=(runuser -u postgres --)
fi
cleanup() {
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
"${as_pg[@]}" "$pg_bin/initdb" -D "$tmp/data" -U certops --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$tmp/data" -l "$tmp/pg.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $tmp -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null

export CERTOPS_TEST_PG_URL="postgres://certops@127.0.0.1:$port/postgres"
export CERTOPS_TEST_REQUIRE_PG=1
export CERTOPS_TEST_REQUIRE_BROWSER=1
npx vitest run "$@"
