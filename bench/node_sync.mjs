// bench/node_sync.mjs: the sync benchmark's workload done with HubSpot's
// official Node client (@hubspot/api-client, pinned in bench/package-lock.json).
//
// It does what `UPDATE partner_clients pc SET hs_name = s.name FROM staging s
// WHERE pc.id = s.id` does through hubspot_fdw's bind join, written by hand:
// the staging rows (a JSON file of [{"id", "name"}] that bench/bench.py
// writes) are cut into chunks of 100 distinct ids; for each chunk
// crm.objects.batchApi.read asks which of the ids exist, then
// crm.objects.batchApi.update sends the new values of those that do. Run by
// bench/bench.py:
//
//   node bench/node_sync.mjs --url URL --token TOKEN --staging FILE
//        [--mode sequential|concurrent] [--concurrency 4]
//
//   --mode sequential  one chunk after another, each request awaited
//   --mode concurrent  every chunk started at once, the client's own limiter
//                      (limiterOptions: maxConcurrent = --concurrency,
//                      minTime 0) deciding how many requests are in flight
//
// stdout gets one JSON line: rows updated, ids not found, requests sent, wall
// time of the work (after the module is loaded and the file is read), the
// process's CPU time for it and its peak RSS.

import { readFileSync } from 'node:fs';
import { Client } from '@hubspot/api-client';

const OBJECT_TYPE = 'partner_clients';
const CHUNK = 100;      // HubSpot's batch limit, as the extension sends

// Command line: --name value pairs.
function parseArgs(argv) {
  const out = { mode: 'sequential', concurrency: '4' };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in out) && !['url', 'token', 'staging'].includes(key)) {
      throw new Error(`unknown option ${argv[i]}`);
    }
    out[key] = argv[i + 1];
  }
  if (!out.url || !out.token || !out.staging) throw new Error('--url, --token and --staging are required');
  if (!['sequential', 'concurrent'].includes(out.mode)) throw new Error('--mode sequential|concurrent');
  out.concurrency = Number(out.concurrency);
  if (!(out.concurrency >= 1)) throw new Error('--concurrency must be at least 1');
  return out;
}

// One chunk: read which ids exist, then update those, checking the answers.
async function syncChunk(client, rows, counts) {
  counts.readRequests += 1;
  const read = await client.crm.objects.batchApi.read(OBJECT_TYPE, {
    inputs: rows.map((r) => ({ id: r.id })),
    properties: ['hs_name'],
    propertiesWithHistory: [],
  });
  const found = new Set((read.results || []).map((r) => r.id));
  const inputs = rows.filter((r) => found.has(r.id))
    .map((r) => ({ id: r.id, properties: { hs_name: r.name } }));
  counts.notFound += rows.length - inputs.length;
  if (inputs.length === 0) return;
  counts.updateRequests += 1;
  const answer = await client.crm.objects.batchApi.update(OBJECT_TYPE, { inputs });
  const got = new Set((answer.results || []).map((r) => r.id));
  for (const input of inputs) {
    if (!got.has(input.id)) throw new Error(`no result for record ${input.id}`);
  }
  counts.rows += inputs.length;
}

// Cut the staging rows into chunks of distinct ids (the first row of an id
// wins, as in UPDATE ... FROM with one match) and sync them all.
async function run(opts, staging) {
  const config = { accessToken: opts.token, basePath: opts.url };
  if (opts.mode === 'concurrent') {
    config.limiterOptions = { maxConcurrent: opts.concurrency, minTime: 0 };
  }
  const client = new Client(config);
  const seen = new Set();
  const chunks = [];
  let chunk = [];
  for (const row of staging) {
    if (row.id === null || seen.has(row.id)) continue;
    seen.add(row.id);
    chunk.push(row);
    if (chunk.length === CHUNK) {
      chunks.push(chunk);
      chunk = [];
    }
  }
  if (chunk.length > 0) chunks.push(chunk);
  const counts = { rows: 0, notFound: 0, readRequests: 0, updateRequests: 0 };
  if (opts.mode === 'sequential') {
    for (const c of chunks) await syncChunk(client, c, counts);
  } else {
    await Promise.all(chunks.map((c) => syncChunk(client, c, counts)));
  }
  return counts;
}

const opts = parseArgs(process.argv.slice(2));
const staging = JSON.parse(readFileSync(opts.staging, 'utf8'));
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const counts = await run(opts, staging);
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(JSON.stringify({
  client: '@hubspot/api-client',
  mode: opts.mode,
  concurrency: opts.mode === 'concurrent' ? opts.concurrency : 1,
  rows: counts.rows,
  not_found: counts.notFound,
  read_requests: counts.readRequests,
  update_requests: counts.updateRequests,
  wall_ms: wallMs,
  cpu_us: cpu.user + cpu.system,
  max_rss_kb: process.resourceUsage().maxRSS,
}) + '\n');
