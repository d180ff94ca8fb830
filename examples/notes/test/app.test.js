// Unit tests of the API against the in-memory store (no database needed).
'use strict';

const assert = require('node:assert/strict');
const { after, before, test } = require('node:test');
const { createApp } = require('../src/app');
const { connectionUrl } = require('../src/db');
const { memoryStore } = require('../src/store');

let server;
let base;

before(async () => {
  server = createApp(memoryStore()).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});

after(() => new Promise((resolve) => server.close(resolve)));

test('health answers ok', async () => {
  const res = await fetch(`${base}/health`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: 'ok' });
});

test('a note added is listed', async () => {
  const res = await fetch(`${base}/notes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'first', body: 'hello' }),
  });
  assert.equal(res.status, 201);
  const listed = await (await fetch(`${base}/notes`)).json();
  assert.deepEqual(listed.map((n) => n.title), ['first']);
});

test('a note without a title is refused', async () => {
  const res = await fetch(`${base}/notes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ body: 'no title' }),
  });
  assert.equal(res.status, 422);
});

test('metrics are Prometheus text', async () => {
  const text = await (await fetch(`${base}/metrics`)).text();
  assert.match(text, /# TYPE notes_http_requests_total counter/);
  assert.match(text, /notes_http_requests_total\{method="GET",path="\/health",status="200"\} 1/);
});

test('SQLAlchemy-style URLs lose their driver for node-postgres', () => {
  const env = { DATABASE_URL: 'postgresql+psycopg://u:p@127.0.0.1:5432/notes' };
  assert.equal(connectionUrl(env), 'postgresql://u:p@127.0.0.1:5432/notes');
});
