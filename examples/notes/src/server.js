// Starts the notes service: `node server.js --port 18301` (or PORT), on 127.0.0.1.
'use strict';

const { createApp } = require('./app');
const { config } = require('./db');
const { knexStore } = require('./store');

function port(argv, env) {
  const i = argv.indexOf('--port');
  return Number(i >= 0 ? argv[i + 1] : env.PORT || 18301);
}

const store = knexStore(require('knex')(config()));
const server = createApp(store).listen(port(process.argv, process.env), '127.0.0.1', () => {
  console.log(`notes listening on 127.0.0.1:${server.address().port}`);
});

function stop() {
  server.close(() => store.close().finally(() => process.exit(0)));
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
