// Prints the latest applied migration's name, or `none` for an empty database: what golive's
// `[database] current` command reads. With --latest, prints the newest migration file's name
// instead (golive's `[database] head`: the version an upgrade must reach). knex's own
// `migrate:currentVersion` would create its bookkeeping table on an empty database.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const MIGRATIONS = path.join(__dirname, '..', 'migrations');

function latestFile() {
  const names = fs.readdirSync(MIGRATIONS).filter((n) => n.endsWith('.js')).sort();
  return names.length ? names[names.length - 1].replace(/\.js$/, '') : 'none';
}

async function applied(knex) {
  if (!(await knex.schema.hasTable('knex_migrations'))) return 'none';
  const last = await knex('knex_migrations').orderBy('id', 'desc').first('name');
  return last ? last.name.replace(/\.js$/, '') : 'none';
}

if (process.argv.includes('--latest')) {
  console.log(latestFile());
} else {
  const knex = require('knex')(require('../src/db').config());
  applied(knex)
    .then((version) => console.log(version))
    .catch((err) => {
      console.error(`cannot read the migration version: ${err.message}`);
      process.exitCode = 1;
    })
    .finally(() => knex.destroy());
}
