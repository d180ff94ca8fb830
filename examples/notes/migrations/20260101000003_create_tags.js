'use strict';

exports.up = (knex) =>
  knex.schema.createTable('note_tags', (t) => {
    t.integer('note_id').notNullable().references('notes.id').onDelete('CASCADE');
    t.string('tag', 50).notNullable();
    t.primary(['note_id', 'tag']);
  });

exports.down = (knex) => knex.schema.dropTable('note_tags');
