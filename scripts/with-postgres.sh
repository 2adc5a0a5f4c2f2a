#!/usr/bin/env bash
# Run a command against a fresh, private PostgreSQL cluster (Debian's package), then stop it.
# Installs the server when missing, initialises a throwaway cluster as the postgres user on a
# private port and socket directory, exports DATABASE_URL, runs "$@", and cleans up.
# KHABAR_PG_PORT chooses the port; KHABAR_PG_SETTINGS adds server settings ("-c name=value ...").
set -euo pipefail

if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "installing PostgreSQL (Debian package)"
  SUDO=$( [ "$(id -u)" = 0 ] || echo sudo )
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PORT=${KHABAR_PG_PORT:-54329}
ROOT=$(mktemp -d /tmp/khabar-pg.XXXXXX)
chown postgres:postgres "$ROOT"
chmod 700 "$ROOT"
as_postgres() { runuser -u postgres -- "$@"; }
if [ "$(id -u)" != 0 ]; then as_postgres() { "$@"; }; fi

cleanup() {
  as_postgres "$PGBIN/pg_ctl" -D "$ROOT/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$ROOT"
}
trap cleanup EXIT

as_postgres "$PGBIN/initdb" -D "$ROOT/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_postgres "$PGBIN/pg_ctl" -D "$ROOT/data" -l "$ROOT/log" -w -t 30 \
  -o "-p $PORT -k $ROOT -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off ${KHABAR_PG_SETTINGS:-}" \
  start >/dev/null
as_postgres "$PGBIN/createdb" -h "$ROOT" -p "$PORT" -U postgres khabar

export DATABASE_URL="postgres://postgres@/khabar?host=$ROOT&port=$PORT"
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on socket $ROOT port $PORT"
"$@"
