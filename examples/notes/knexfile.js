// knex's CLI reads this file: `npx knex migrate:latest` from this folder.
'use strict';

module.exports = require('./src/db').config();
