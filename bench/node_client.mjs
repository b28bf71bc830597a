// bench/node_client.mjs: the benchmark's workload done with HubSpot's official
// Node client (@hubspot/api-client, pinned in bench/package-lock.json).
//
// It does what `UPDATE partner_clients SET hs_name = 'bench-' || id` does in
// hubspot_fdw: page through every record with basicApi.getPage (limit 100,
// asking for the same properties the extension asked for), and send each full
// chunk of 100 new values with batchApi.update as soon as it is read. Run by
// bench/bench.py, one process per client configuration:
//
//   node bench/node_client.mjs --url URL --token TOKEN [--properties a,b]
//        [--limiter none|default] [--mode pipelined|sequential]
//
//   --limiter none     the client's defaults: no limiter, no retries
//   --limiter default  limiterOptions: the exported DEFAULT_LIMITER_OPTIONS
//   --mode pipelined   a batch is sent without waiting for the previous one
//                      (the limiter, if any, decides how many run at once)
//   --mode sequential  each batch is awaited before the next page is read
//
// stdout gets one JSON line: rows, requests sent, wall time of the work
// (after the module is loaded), the process's CPU time for it and its peak RSS.

import { Client, DEFAULT_LIMITER_OPTIONS } from '@hubspot/api-client';

const OBJECT_TYPE = 'partner_clients';
const CHUNK = 100;      // HubSpot's batch limit, as the extension sends
const PAGE = 100;       // the list page size the extension asks for

// Command line: --name value pairs.
function parseArgs(argv) {
  const out = { properties: 'hs_name', limiter: 'none', mode: 'pipelined' };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in out) && !['url', 'token'].includes(key)) {
      throw new Error(`unknown option ${argv[i]}`);
    }
    out[key] = argv[i + 1];
  }
  if (!out.url || !out.token) throw new Error('--url and --token are required');
  if (!['none', 'default'].includes(out.limiter)) throw new Error('--limiter none|default');
  if (!['pipelined', 'sequential'].includes(out.mode)) throw new Error('--mode pipelined|sequential');
  return out;
}

// Send one chunk and check that HubSpot answered for every input.
async function sendChunk(client, inputs, counts) {
  counts.updateRequests += 1;
  const answer = await client.crm.objects.batchApi.update(OBJECT_TYPE, { inputs });
  const got = new Set((answer.results || []).map((r) => r.id));
  for (const input of inputs) {
    if (!got.has(input.id)) throw new Error(`no result for record ${input.id}`);
  }
  counts.rows += inputs.length;
}

// Read every page, send chunks as they fill, wait for all of them.
async function run(opts) {
  const config = { accessToken: opts.token, basePath: opts.url };
  if (opts.limiter === 'default') config.limiterOptions = DEFAULT_LIMITER_OPTIONS;
  const client = new Client(config);
  const properties = opts.properties.split(',').filter((p) => p !== '');
  const counts = { rows: 0, listRequests: 0, updateRequests: 0 };
  const inFlight = [];
  let pending = [];
  let after;

  const flush = async (inputs) => {
    const p = sendChunk(client, inputs, counts);
    if (opts.mode === 'sequential') await p;
    else inFlight.push(p);
  };

  do {
    counts.listRequests += 1;
    const page = await client.crm.objects.basicApi.getPage(OBJECT_TYPE, PAGE, after, properties);
    for (const record of page.results) {
      pending.push({ id: record.id, properties: { hs_name: `bench-${record.id}` } });
      if (pending.length === CHUNK) {
        await flush(pending);
        pending = [];
      }
    }
    after = page.paging && page.paging.next ? page.paging.next.after : undefined;
  } while (after);
  if (pending.length > 0) await flush(pending);
  await Promise.all(inFlight);
  return counts;
}

const opts = parseArgs(process.argv.slice(2));
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const counts = await run(opts);
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(JSON.stringify({
  client: '@hubspot/api-client',
  limiter: opts.limiter === 'default' ? DEFAULT_LIMITER_OPTIONS : null,
  mode: opts.mode,
  rows: counts.rows,
  list_requests: counts.listRequests,
  update_requests: counts.updateRequests,
  wall_ms: wallMs,
  cpu_us: cpu.user + cpu.system,
  max_rss_kb: process.resourceUsage().maxRSS,
}) + '\n');
