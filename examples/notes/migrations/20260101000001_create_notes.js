'use strict';

exports.up = (knex) =>
  knex.schema.createTable('notes', (t) => {
    t.increments('id');
    t.string('title', 200).notNullable();
    t.text('body').notNullable().defaultTo('');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

exports.down = (knex) => knex.schema.dropTable('notes');
