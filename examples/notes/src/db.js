// The knex configuration, shared by the service and knex's CLI (knexfile.js).
'use strict';

// golive's env files hold SQLAlchemy-style URLs (postgresql+psycopg://...); node-postgres
// wants plain postgresql://, so the driver suffix is dropped.
function connectionUrl(env = process.env) {
  const url = env.DATABASE_URL || '';
  if (!url) throw new Error('DATABASE_URL is not set');
  return url.replace(/^postgres(ql)?\+[a-z0-9]+:/i, 'postgresql:');
}

function config(env = process.env) {
  return {
    client: 'pg',
    connection: connectionUrl(env),
    pool: { min: 0, max: 5 },
    migrations: { directory: `${__dirname}/../migrations`, tableName: 'knex_migrations' },
  };
}

module.exports = { config, connectionUrl };
