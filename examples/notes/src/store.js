// Where notes live: PostgreSQL through knex in production, memory in the unit tests.
'use strict';

function knexStore(knex) {
  return {
    list: () => knex('notes').orderBy('id').select('id', 'title', 'body', 'pinned'),
    async add(title, body) {
      const [row] = await knex('notes')
        .insert({ title, body })
        .returning(['id', 'title', 'body', 'pinned']);
      return row;
    },
    async ping() {
      await knex.raw('select 1');
    },
    close: () => knex.destroy(),
  };
}

function memoryStore() {
  const notes = [];
  return {
    list: async () => notes.slice(),
    async add(title, body) {
      const note = { id: notes.length + 1, title, body, pinned: false };
      notes.push(note);
      return note;
    },
    ping: async () => {},
    close: async () => {},
  };
}

module.exports = { knexStore, memoryStore };
