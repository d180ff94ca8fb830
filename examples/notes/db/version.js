// Prints the latest applied migration's name (nothing for an empty database): what golive's
// `[database] current` command reads. knex's own `migrate:currentVersion` would create its
// bookkeeping table on an empty database, and prints a label around the version.
'use strict';

const knex = require('knex')(require('../src/db').config());

async function main() {
  if (!(await knex.schema.hasTable('knex_migrations'))) return '';
  const last = await knex('knex_migrations').orderBy('id', 'desc').first('name');
  return last ? last.name.replace(/\.js$/, '') : '';
}

main()
  .then((version) => console.log(version))
  .catch((err) => {
    console.error(`cannot read the migration version: ${err.message}`);
    process.exitCode = 1;
  })
  .finally(() => knex.destroy());
