#!/usr/bin/env bash
# Install and start PostgreSQL for the tests, with a role that may create databases and roles.
# The tests read GOLIVE_TEST_POSTGRES_URL; each test creates and drops its own database.
set -euo pipefail
if [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; then
  apt-get install -y -q postgresql >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
export PATH="/usr/lib/postgresql/$version/bin:$PATH"
if ! pg_lsclusters -h | grep -q "^$version main"; then
  pg_createcluster "$version" main >/dev/null
fi
pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
for _ in $(seq 1 30); do
  su postgres -c "pg_isready -q" && break
  sleep 1
done
su postgres -c "psql -qAtc \"SELECT 1 FROM pg_roles WHERE rolname='golive'\"" | grep -q 1 ||
  su postgres -c "psql -qc \"CREATE ROLE golive LOGIN CREATEDB PASSWORD 'golive-test-only'\""
# CREATEROLE: a test gives a launched project a role of its own with a strong password.
su postgres -c "psql -qc \"ALTER ROLE golive CREATEROLE\"" >/dev/null
echo "postgresql+psycopg://golive:golive-test-only@127.0.0.1:5432/postgres"
