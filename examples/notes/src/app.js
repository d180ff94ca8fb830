// The notes API: health, Prometheus metrics, and listing and adding notes.
'use strict';

const express = require('express');

function createMetrics() {
  const counts = new Map(); // "method path status" -> requests
  return {
    record(method, path, status) {
      const key = JSON.stringify([method, path, String(status)]);
      counts.set(key, (counts.get(key) || 0) + 1);
    },
    text() {
      const lines = [
        '# HELP notes_http_requests_total HTTP requests served.',
        '# TYPE notes_http_requests_total counter',
      ];
      for (const [key, n] of counts) {
        const [method, path, status] = JSON.parse(key);
        lines.push(
          `notes_http_requests_total{method="${method}",path="${path}",status="${status}"} ${n}`
        );
      }
      return `${lines.join('\n')}\n`;
    },
  };
}

function createApp(store) {
  const app = express();
  const metrics = createMetrics();
  app.use(express.json());
  app.use((req, res, next) => {
    // Label by route, not raw URL, so ids and query strings do not multiply the series.
    res.on('finish', () => metrics.record(req.method, req.route ? req.route.path : 'other', res.statusCode));
    next();
  });

  app.get('/health', async (req, res) => {
    try {
      await store.ping();
      res.json({ status: 'ok' });
    } catch (err) {
      res.status(503).json({ status: 'database unavailable' });
    }
  });
  app.get('/metrics', (req, res) => {
    res.type('text/plain; version=0.0.4').send(metrics.text());
  });
  app.get('/notes', async (req, res, next) => {
    try {
      res.json(await store.list());
    } catch (err) {
      next(err);
    }
  });
  app.post('/notes', async (req, res, next) => {
    const { title, body = '' } = req.body || {};
    if (typeof title !== 'string' || !title.trim() || title.length > 200) {
      res.status(422).json({ error: 'title: 1 to 200 characters' });
      return;
    }
    try {
      res.status(201).json(await store.add(title.trim(), String(body)));
    } catch (err) {
      next(err);
    }
  });
  return app;
}

module.exports = { createApp };
