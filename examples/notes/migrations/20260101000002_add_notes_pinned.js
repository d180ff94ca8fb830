'use strict';

exports.up = (knex) =>
  knex.schema.alterTable('notes', (t) => {
    t.boolean('pinned').notNullable().defaultTo(false);
  });

exports.down = (knex) =>
  knex.schema.alterTable('notes', (t) => {
    t.dropColumn('pinned');
  });
