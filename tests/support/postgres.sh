#!/usr/bin/env bash
# Start a throwaway PostgreSQL on loopback for the ledger tests and print its URL to
# tests/.postgres_url. Skipped quietly when not root or when the install is not possible.
set -u
out="$(dirname "$0")/../.postgres_url"
rm -f "$out"
[ "$(id -u)" = 0 ] || { echo "postgres: not root, PostgreSQL ledger tests will be skipped"; exit 0; }
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || {
    echo "postgres: install failed; PostgreSQL ledger tests will be skipped"; exit 0; }
fi
bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
data=/tmp/paramlab-pg
port=55432
if ! su postgres -c "$bindir/pg_ctl -D $data status" >/dev/null 2>&1; then
  rm -rf "$data"; mkdir -p "$data"; chown postgres "$data"
  su postgres -c "$bindir/initdb -D $data -A trust -U postgres" >/dev/null
  su postgres -c "$bindir/pg_ctl -D $data -l $data/log -o '-k /tmp -h 127.0.0.1 -p $port' -w start" >/dev/null
fi
echo "postgresql+psycopg://postgres@127.0.0.1:$port/postgres" > "$out"
echo "postgres: running on 127.0.0.1:$port"
