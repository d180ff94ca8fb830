// `node db/down-to.js VERSION`: undo applied migrations, newest first, until VERSION is the
// latest applied one (`base`: until none is). knex's CLI only goes down one migration or one
// batch at a time; this is golive's `[database] downgrade` command. Refuses a version that
// is not applied, before changing anything.
'use strict';

const knex = require('knex')(require('../src/db').config());

async function appliedNames() {
  if (!(await knex.schema.hasTable('knex_migrations'))) return [];
  const rows = await knex('knex_migrations').orderBy('id').select('name');
  return rows.map((r) => r.name.replace(/\.js$/, ''));
}

async function main(target) {
  if (!target) throw new Error('usage: node db/down-to.js VERSION|base');
  let names = await appliedNames();
  if (target !== 'base' && !names.includes(target)) {
    throw new Error(`version ${target} is not applied; nothing changed`);
  }
  while (names.length && names[names.length - 1] !== target) {
    await knex.migrate.down();
    console.log(`undid ${names[names.length - 1]}`);
    names = await appliedNames();
  }
}

main(process.argv[2])
  .catch((err) => {
    console.error(err.message);
    process.exitCode = 1;
  })
  .finally(() => knex.destroy());
