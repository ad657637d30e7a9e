// Runs graphql-http's GraphQL-over-HTTP audit suite against a live server and prints
// the results as JSON on stdout: {"summary": "...", "results": [{id, name, status, reason}]}.
// Usage: node audit.mjs http://127.0.0.1:8000/graphql
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <graphql url>');
  process.exit(2);
}

const results = await auditServer({ url });
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
const out = [];
for (const result of results) {
  counts[result.status] += 1;
  const entry = { id: result.id, name: result.name, status: result.status };
  if (result.status !== 'ok') {
    entry.reason = result.reason;
    entry.httpStatus = result.response.status;
    entry.contentType = result.response.headers.get('content-type');
  }
  out.push(entry);
}
const summary =
  `${results.length} audits: ${counts.ok} ok, ${counts.notice} notices, ` +
  `${counts.warn} warnings, ${counts.error} errors`;
console.log(JSON.stringify({ summary, results: out }, null, 2));
