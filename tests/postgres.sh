#!/usr/bin/env bash
# Start (or stop) a throwaway PostgreSQL cluster on 127.0.0.1 for the test suite.
# Usage: tests/postgres.sh start|stop   — prints the SQLAlchemy URL on start.
# TEST_PG_PORT, TEST_PG_DATA: where; TEST_PG_OPTIONS: more server settings ("-c name=value").
# Installs Debian's postgresql with apt when missing and we are root. Exit 3: not available.
set -euo pipefail
PORT="${TEST_PG_PORT:-55432}"
DATA="${TEST_PG_DATA:-/tmp/diary-test-pg}"
URL="postgresql+psycopg://diary@127.0.0.1:${PORT}/postgres"

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-start}" in
  start)
    if [ -z "$(pg_bin)" ]; then
      if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) >&2 \
          || { echo "could not install postgresql" >&2; exit 3; }
      else
        echo "PostgreSQL is not installed" >&2; exit 3
      fi
    fi
    BIN="$(pg_bin)"
    if as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then echo "$URL"; exit 0; fi
    rm -rf "$DATA"; mkdir -p "$DATA"
    [ "$(id -u)" = 0 ] && chown postgres "$DATA"
    as_owner "$BIN/initdb" -D "$DATA" -A trust -U diary --locale=C --encoding=UTF8 --no-sync >/dev/null
    as_owner "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w start \
      -o "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$DATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 ${TEST_PG_OPTIONS:-}" >/dev/null
    echo "$URL"
    ;;
  stop)
    BIN="$(pg_bin)"
    [ -n "$BIN" ] && as_owner "$BIN/pg_ctl" -D "$DATA" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$DATA"
    ;;
esac
