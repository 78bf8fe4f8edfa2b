// Reads the results of one bench/compare run (suda-bench JSON and wrk output per run), prints the medians and
// the ratios suda/reference, and optionally writes docs/benchmarks.md and its plots (gnuplot, SVG).
//
//   node bench/compare_report.mjs --results DIR [--results DIR2 ...] [--mode quick|full] [--repeats N]
//                                 [--command "how the results were made" ...] [--out FILE --plots DIR]
// Several results folders merge into one report (e.g. a quick run plus a full-scale run of some scenarios);
// a case present in more than one is taken from the last.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    results: { type: 'string', multiple: true },
    command: { type: 'string', multiple: true },
    mode: { type: 'string', default: 'full' },
    repeats: { type: 'string', default: '3' },
    out: { type: 'string' },
    plots: { type: 'string' },
  },
});
if (!args.results?.length) throw new Error('--results DIR is required');
const result_dirs = args.results;
const last_dir = result_dirs[result_dirs.length - 1];

const servers = ['suda', 'reference', 'reference-batch'];
const ms = (us) => (us === undefined ? undefined : us / 1000);
const per_us = (r) => r.server?.cpuUsPerDelivery || undefined;
// Over the connect phase (handshake, attach, presence); results from before suda-bench measured it have none.
const per_connect_us = (r) => r.server?.cpuUsPerConnect || undefined;
// Over the load phase, per acked message (its ack, its deliveries and its commit included).
const per_acked_us = (r) =>
  r.server && r.messages.acked ? (r.server.cpuSeconds * 1e6) / r.messages.acked : undefined;

// family -> [label, extract(result), better: 'higher' | 'lower']
const metrics = {
  idle: [
    ['server RSS per client (KiB)', (r) => r.server?.rssPerClientBytes / 1024, 'lower'],
    ['server RSS, all connected (MiB)', (r) => r.server?.rssConnectedBytes / 2 ** 20, 'lower'],
    ['connections/s', (r) => r.connections.perSecond, 'higher'],
    ['server CPU per connect (us)', per_connect_us, 'lower'],
  ],
  storm: [
    ['handshakes/s', (r) => r.connections.perSecond, 'higher'],
    ['server CPU per connect (us)', per_connect_us, 'lower'],
    ['connect p50 (ms)', (r) => ms(r.connections.latencyUs.p50), 'lower'],
    ['connect p99 (ms)', (r) => ms(r.connections.latencyUs.p99), 'lower'],
    ['failed connections', (r) => r.connections.failures, 'lower'],
  ],
  fanout: [
    ['delivered msg/s', (r) => r.messages.deliveredPerSecond, 'higher'],
    ['acked msg/s', (r) => r.messages.ackedPerSecond, 'higher'],
    ['delivery p50 (ms)', (r) => ms(r.messages.deliveryLatencyUs.p50), 'lower'],
    ['delivery p99 (ms)', (r) => ms(r.messages.deliveryLatencyUs.p99), 'lower'],
    ['server CPU per delivery (us)', per_us, 'lower'],
    ['lost', (r) => r.messages.lost, 'lower'],
    ['connections/s (set-up)', (r) => r.connections.perSecond, 'higher'],
    ['server RSS per client (KiB)', (r) => r.server?.rssPerClientBytes / 1024, 'lower'],
  ],
  latency: [
    ['delivery p50 (ms)', (r) => ms(r.messages.deliveryLatencyUs.p50), 'lower'],
    ['delivery p99 (ms)', (r) => ms(r.messages.deliveryLatencyUs.p99), 'lower'],
    ['delivery p99.9 (ms)', (r) => ms(r.messages.deliveryLatencyUs.p999), 'lower'],
    ['delivery max (ms)', (r) => ms(r.messages.deliveryLatencyUs.max), 'lower'],
    ['ack p99 (ms)', (r) => ms(r.messages.ackLatencyUs.p99), 'lower'],
    ['server CPU per delivery (us)', per_us, 'lower'],
    ['lost', (r) => r.messages.lost, 'lower'],
  ],
  durable: [
    ['acked msg/s', (r) => r.messages.ackedPerSecond, 'higher'],
    ['server CPU per acked message (us)', per_acked_us, 'lower'],
    ['ack p50 (ms)', (r) => ms(r.messages.ackLatencyUs.p50), 'lower'],
    ['ack p99 (ms)', (r) => ms(r.messages.ackLatencyUs.p99), 'lower'],
    ['lost', (r) => r.messages.lost, 'lower'],
  ],
  history: [
    ['requests/s', (r) => r.wrk?.rps, 'higher'],
    ['p50 (ms)', (r) => r.wrk?.p50, 'lower'],
    ['p99 (ms)', (r) => r.wrk?.p99, 'lower'],
    ['non-2xx', (r) => r.wrk?.errors, 'lower'],
  ],
  slow: [
    ['readers: delivered msg/s', (r) => r.messages.deliveredPerSecond, 'higher'],
    ['readers: delivery p99 (ms)', (r) => ms(r.messages.deliveryLatencyUs.p99), 'lower'],
    ['readers: lost', (r) => r.messages.lost, 'lower'],
    ['server RSS at the end (MiB)', (r) => r.server?.rssEndBytes / 2 ** 20, 'lower'],
    ['clients dropped by the server', (r) => r.messages.disconnects, 'lower'],
  ],
};

// wrk's text: "Requests/sec: 1234.56", "50%  1.23ms", "Non-2xx or 3xx responses: 5".
function parse_wrk(text) {
  const unit = { us: 1e-3, ms: 1, s: 1000, m: 60000 };
  const time = (m) => (m ? Number(m[1]) * unit[m[2]] : undefined);
  const rps = /Requests\/sec:\s*([\d.]+)/.exec(text);
  return {
    rps: rps ? Number(rps[1]) : undefined,
    p50: time(/^\s*50%\s+([\d.]+)(us|ms|s|m)\b/m.exec(text)),
    p99: time(/^\s*99%\s+([\d.]+)(us|ms|s|m)\b/m.exec(text)),
    errors: Number(/Non-2xx or 3xx responses:\s*(\d+)/.exec(text)?.[1] ?? 0),
  };
}

// runs[case][server] = [result, ...]
const runs = {};
for (const dir of result_dirs) {
  const here = {};
  for (const file of readdirSync(dir).sort()) {
    const m = /^(.+)\.(suda|reference|reference-batch)\.(\d+)\.json$/.exec(file);
    if (!m) continue;
    const [, id, server] = m;
    const result = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
    const wrk_file = path.join(dir, file.replace(/\.json$/, '.wrk.txt'));
    try { result.wrk = parse_wrk(readFileSync(wrk_file, 'utf8')); } catch { /* not a history run */ }
    ((here[id] ??= {})[server] ??= []).push(result);
  }
  Object.assign(runs, here);
}

const median = (values) => {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return undefined;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};
const fmt = (x) => {
  if (x === undefined) return '–';
  if (Math.abs(x) >= 100) return Math.round(x).toLocaleString('en-US');
  if (Math.abs(x) >= 10) return x.toFixed(1);
  return x.toFixed(2);
};
const ratio = (a, b) => (a === undefined || b === undefined || b === 0 ? undefined : a / b);
const family = (id) => id.split('-')[0];

// The order of the issue's scenario list, then the fan-out shapes from the biggest room down.
const order = ['idle', 'storm', 'fanout', 'latency', 'durable', 'history', 'slow'];
const fanout_order = ['fanout-1x1000', 'fanout-10x100', 'fanout-100x10'];
const rank = (id) => order.indexOf(family(id)) * 100 + Math.max(0, fanout_order.indexOf(id)) +
  (Number(/-(\d+)k$/.exec(id)?.[1]) || 0) / 1000;
const case_ids = Object.keys(runs).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));

// table[id] = { rows: [[label, better, {server: median}, ratio]], notes: [] }
const tables = {};
for (const id of case_ids) {
  const by_server = runs[id];
  const rows = [];
  const notes = new Set();
  for (const [label, pick, better] of metrics[family(id)] ?? []) {
    const medians = {};
    for (const s of servers) if (by_server[s]) medians[s] = median(by_server[s].map((r) => { try { return pick(r); } catch { return undefined; } }));
    rows.push([label, better, medians, ratio(medians.suda, medians.reference)]);
  }
  for (const [s, list] of Object.entries(by_server)) {
    if (list.some((r) => r.generator?.saturated)) notes.add(`${s}: the generator's CPU was saturated in at least one run, so the server may have had room to spare`);
    if (list.some((r) => r.messages.unacked > 0)) notes.add(`${s}: some messages were never acked (${list.map((r) => r.messages.unacked).join(', ')} per run)`);
    if (list.some((r) => r.connections.failures > 0)) notes.add(`${s}: failed connections per run: ${list.map((r) => r.connections.failures).join(', ')}`);
    for (const r of list) {
      for (const n of r.notes ?? []) {
        if (/saturated/.test(n)) continue;  // said once above
        if (/disconnects include slow clients/.test(n) && !r.messages.disconnects) continue;  // older runs said it always
        notes.add(`${s}: ${n}`);
      }
    }
  }
  tables[id] = { rows, notes: [...notes], load: Object.values(by_server)[0][0].load, runs: by_server };
}

// ---- stdout: medians and ratios ---------------------------------------------------------------------------
const present = servers.filter((s) => Object.values(runs).some((r) => r[s]));
for (const [id, t] of Object.entries(tables)) {
  console.log(`\n${id}`);
  console.log(`  ${'metric'.padEnd(34)}${present.map((s) => s.padStart(16)).join('')}${'suda/ref'.padStart(12)}`);
  for (const [label, better, medians, r] of t.rows)
    console.log(`  ${(label + (better === 'higher' ? ' ↑' : ' ↓')).padEnd(34)}${present.map((s) => fmt(medians[s]).padStart(16)).join('')}${(r === undefined ? '–' : r.toFixed(2) + 'x').padStart(12)}`);
  for (const n of t.notes) console.log(`  note: ${n}`);
}

// ---- what this machine allows (suda-floors) --------------------------------------------------------------------
// bench/compare runs bench/floors (Google Benchmark) once per results folder: loopback TCP, fdatasync and thread
// handoffs with none of suda's code. Each floor is held against the issue target it bounds, with the target
// derived from the reference's numbers in these results: a target below a floor cannot be met by server code at
// that shape (e.g. with one frame per write).
const value = (id, label, server = 'suda') => tables[id]?.rows.find((r) => r[0] === label)?.[2][server];
const case_ratio = (id, label) => tables[id]?.rows.find((r) => r[0] === label)?.[3];
const times = (r) => (r === undefined ? '–' : `${r.toFixed(2)}×`);

// floors['loopback_send/frames:1'] = Google Benchmark's entry (its counters are keys of the entry). Names carry
// the run settings too ("/min_time:0.500", "/manual_time"); only the benchmark's own arguments are kept.
function read_floors() {
  for (const dir of [...result_dirs].reverse()) {
    let json;
    try { json = JSON.parse(readFileSync(path.join(dir, 'floors.json'), 'utf8')); } catch { continue; }
    const floors = {};
    for (const b of json.benchmarks ?? []) {
      if ((b.run_type ?? 'iteration') !== 'iteration' || b.error_occurred) continue;
      const [family_name, ...parts] = b.name.split('/');
      const key = [family_name.replace(/^BM_/, ''), ...parts.filter((p) => /^(frames|gap_ms|bytes):/.test(p))].join('/');
      floors[key] = b;
    }
    return { floors, context: json.context ?? {} };
  }
  return undefined;
}

function machine_floors() {
  const read = read_floors();
  if (!read) return undefined;
  const { floors } = read;
  const counter = (key, name) => (Number.isFinite(floors[key]?.[name]) ? floors[key][name] : undefined);
  const frame_counts = (family_name) => Object.keys(floors).map((k) => /^(\w+)\/frames:(\d+)$/.exec(k))
    .filter((m) => m && m[1] === family_name).map((m) => Number(m[2])).sort((a, b) => a - b);
  const per_frame = (family_name, n) => counter(`${family_name}/frames:${n}`, 'us_per_frame');
  const us = (x) => (x === undefined ? '–' : `${fmt(x)} µs`);
  const msec = (x) => (x === undefined ? '–' : `${fmt(x / 1000)} ms`);
  const fits = (target, floor, unit) => {
    if (target === undefined || floor === undefined) return '– (no reference in these results)';
    return floor > target ? `**target below this floor** (${unit(target)})` : `fits: target ${unit(target)} is ${(target / floor).toFixed(1)}× this floor`;
  };
  // The fewest frames per write, among those measured, at which every listed side fits the budget (µs per frame).
  const frames_needed = (budget, families) => frame_counts(families[0]).find((n) => families.every((f) => per_frame(f, n) !== undefined && per_frame(f, n) <= budget));

  // The strictest of each target over the fan-out cases, with the case it comes from.
  const fanout_ids = Object.keys(tables).filter((i) => family(i) === 'fanout');
  const strictest = (pick) => fanout_ids.map((id) => [id, pick(id)]).filter(([, v]) => Number.isFinite(v)).sort((a, b) => a[1] - b[1])[0];
  const cpu_target = strictest((id) => value(id, 'server CPU per delivery (us)', 'reference') / 10);
  const rate_budget = strictest((id) => 1e6 / (10 * value(id, 'delivered msg/s', 'reference')));
  const ref_p99_ms = value('latency', 'delivery p99 (ms)', 'reference');
  const latency_target_us = ref_p99_ms === undefined ? undefined : (ref_p99_ms * 1000) / 5;
  // The durable case's shape: from its load line, or bench/compare's durable case when it did not run.
  const durable_load = tables.durable?.load;
  const senders = durable_load?.senders ?? 64;
  const room_sockets = durable_load ? (durable_load.clients / durable_load.users) * durable_load.membersPerRoom : 4;
  const durable_shape = durable_load ? 'the durable case' : 'bench/compare\'s durable case (not in these results)';

  // rows: [floor, measured, unit, the target it bounds, target vs floor]
  const rows = [];
  const cpu_bound = cpu_target ? `fan-out CPU per delivery ≤ 1/10 of the reference (strictest: ${us(cpu_target[1])}, ${cpu_target[0]})` : 'fan-out CPU per delivery ≤ 1/10 of the reference';
  for (const n of frame_counts('loopback_send')) {
    rows.push([`server send: CPU per frame, ${n} frame${n > 1 ? 's' : ''} per send()`, fmt(per_frame('loopback_send', n)), 'µs', cpu_bound,
      fits(cpu_target?.[1], per_frame('loopback_send', n), us)]);
  }
  const rate_bound = rate_budget ? `fan-out delivered msg/s ≥ 10× the reference: the generator's core has ${us(rate_budget[1])} per delivery (${rate_budget[0]})` : 'fan-out delivered msg/s ≥ 10× the reference (the generator\'s core)';
  for (const n of frame_counts('loopback_recv')) {
    rows.push([`generator receive: CPU per frame, ${n} frame${n > 1 ? 's' : ''} per write`, fmt(per_frame('loopback_recv', n)), 'µs', rate_bound,
      fits(rate_budget?.[1], per_frame('loopback_recv', n), us)]);
  }
  const latency_bound = `p99 latency at equal load ≤ 1/5 of the reference${latency_target_us === undefined ? '' : ` (${msec(latency_target_us)})`}`;
  for (const gap of [0, 10]) {
    const key = `idle_round_trip/gap_ms:${gap}`;
    if (!floors[key]) continue;
    const what = gap ? `idle loopback round trip (${gap} ms between pings)` : 'loopback round trip, back to back';
    rows.push([`${what}, p50`, fmt(counter(key, 'p50_us')), 'µs', gap ? latency_bound : 'durable: one per message and sender (window 1)', '–']);
    rows.push([`${what}, p99`, fmt(counter(key, 'p99_us')), 'µs', gap ? latency_bound : '–', gap ? fits(latency_target_us, counter(key, 'p99_us'), msec) : '–']);
  }
  for (const key of Object.keys(floors).filter((k) => k.startsWith('fdatasync/')).sort()) {
    const [, bytes, gap] = /bytes:(\d+)\/gap_ms:(\d+)/.exec(key) ?? [];
    if (bytes === undefined) continue;
    const what = `pwrite ${Number(bytes) / 1024} KiB + fdatasync${Number(gap) ? ` (${gap} ms apart)` : ', back to back'}`;
    if (Number(gap)) {
      rows.push([`${what}, p50`, fmt(counter(key, 'p50_us')), 'µs', latency_bound + ': delivery waits for the commit', '–']);
      rows.push([`${what}, p99`, fmt(counter(key, 'p99_us')), 'µs', latency_bound + ': delivery waits for the commit', fits(latency_target_us, counter(key, 'p99_us'), msec)]);
    } else {
      const p50 = counter(key, 'p50_us');
      rows.push([`${what}, p50`, fmt(p50), 'µs', `durable ≥ 50,000 acked msg/s: ${senders} senders with one message each in flight wait for a commit`,
        p50 === undefined ? '–' : (senders * 1e6) / p50 < 50000 ? `**target above this floor**: ≤ ${fmt((senders * 1e6) / p50)} msg/s` : `fits: ${senders} senders allow ≤ ${fmt((senders * 1e6) / p50)} msg/s`]);
      rows.push([`${what}, p99`, fmt(counter(key, 'p99_us')), 'µs', '–', '–']);
    }
  }
  const hop = counter('thread_handoff', 'us_per_hop');
  if (hop !== undefined) {
    rows.push(['thread handoff on one CPU (mutex + condition variable), per hop', fmt(hop), 'µs', `${latency_bound}: two hops per message (I/O → writer → I/O)`,
      latency_target_us === undefined ? '–' : `${((2 * hop * 100) / latency_target_us).toFixed(1)}% of the target`]);
  }

  // One line per target: what the floors leave of it.
  const bullets = [];
  const send1 = per_frame('loopback_send', 1);
  const recv1 = per_frame('loopback_recv', 1);
  const largest = (f) => frame_counts(f).at(-1);
  for (const id of fanout_ids) {
    const ref_cpu = value(id, 'server CPU per delivery (us)', 'reference');
    if (ref_cpu === undefined || send1 === undefined) continue;
    const target = ref_cpu / 10;
    const n = frames_needed(target, ['loopback_send']);
    bullets.push(`${id}: CPU per delivery target ${us(target)} (1/10 of the reference's ${us(ref_cpu)}) vs one-frame send ${us(send1)}: ` +
      (n === 1 ? 'fits at one frame per send' : n ? `needs ≥ ${n} frames per send (${us(per_frame('loopback_send', n))} a frame)` : `below the floor even at ${largest('loopback_send')} frames per send (${us(per_frame('loopback_send', largest('loopback_send')))})`) + '.');
  }
  for (const id of fanout_ids) {
    const ref_rate = value(id, 'delivered msg/s', 'reference');
    if (ref_rate === undefined || send1 === undefined || recv1 === undefined) continue;
    const budget = 1e6 / (10 * ref_rate);
    const n = frames_needed(budget, ['loopback_send', 'loopback_recv']);
    bullets.push(`${id}: delivered ≥ ${fmt(10 * ref_rate)}/s (10× the reference) leaves ${us(budget)} per delivery on each core; one frame per write costs ${us(send1)} to send and ${us(recv1)} to receive: ` +
      (n === 1 ? 'fits at one frame per write' : n ? `needs ≥ ${n} frames per write` : `below the floor even at ${largest('loopback_send')} frames per write`) + '.');
  }
  const rt10 = 'idle_round_trip/gap_ms:10';
  // Of the write sizes, the one with the lowest p99: the floor claims no more than the kindest case measured.
  const sync10 = Object.keys(floors).filter((k) => /^fdatasync\/bytes:\d+\/gap_ms:[1-9]/.test(k)).sort((a, b) => counter(a, 'p99_us') - counter(b, 'p99_us'))[0];
  if (counter(rt10, 'p99_us') !== undefined && sync10) {
    // A delivery waits for both, so its p99 is at least the larger p99; the p50s add up to the typical case.
    const p99_floor = Math.max(counter(rt10, 'p99_us'), counter(sync10, 'p99_us'));
    const sync10_p50 = Math.min(...Object.keys(floors).filter((k) => /^fdatasync\/bytes:\d+\/gap_ms:[1-9]/.test(k)).map((k) => counter(k, 'p50_us')));
    const p50_floor = counter(rt10, 'p50_us') + sync10_p50 + 2 * (hop ?? 0);
    bullets.push(`latency: p99 target ${latency_target_us === undefined ? '– (no reference latency run in these results)' : `${msec(latency_target_us)} (1/5 of the reference's ${msec(ref_p99_ms * 1000)})`} vs a p99 floor of ${msec(p99_floor)} ` +
      `(the larger of an idle round trip's p99, ${msec(counter(rt10, 'p99_us'))}, and an idle fdatasync's, ${msec(counter(sync10, 'p99_us'))} for ${Number(/bytes:(\d+)/.exec(sync10)[1]) / 1024} KiB; typical floor, the p50s plus two handoffs: ${msec(p50_floor)})` +
      (latency_target_us === undefined ? '.' : p99_floor > latency_target_us ? ': **the target is below the floor**.' : `: fits, ${(latency_target_us / p99_floor).toFixed(1)}× the floor.`));
  }
  const sync0 = Object.keys(floors).filter((k) => /^fdatasync\/bytes:\d+\/gap_ms:0$/.test(k)).sort((a, b) => counter(a, 'p50_us') - counter(b, 'p50_us'))[0];  // the kindest
  const rt0 = counter('idle_round_trip/gap_ms:0', 'p50_us');
  if (send1 !== undefined && recv1 !== undefined && sync0 && rt0 !== undefined) {
    // Window 1 leaves nothing to coalesce: the server receives one frame and writes one to each socket of the room
    // (the sender's ack can share its socket's write); the generator does the mirror image.
    const server_rate = 1e6 / (recv1 + room_sockets * send1);
    const generator_rate = 1e6 / (send1 + room_sockets * recv1);
    const commit_rate = (senders * 1e6) / (counter(sync0, 'p50_us') + rt0);
    const bound = Math.min(server_rate, generator_rate, commit_rate);
    bullets.push(`durable: ≥ 50,000 acked msg/s vs at most ${fmt(bound)}/s from the floors, for ${durable_shape} (${senders} senders, ${room_sockets.toLocaleString('en-US')} sockets per room): ` +
      `the server's core ≤ ${fmt(server_rate)}/s (one receive + ${room_sockets.toLocaleString('en-US')} one-frame sends a message), the generator's ≤ ${fmt(generator_rate)}/s, ` +
      `the commits ≤ ${fmt(commit_rate)}/s (${senders} senders / (fdatasync p50 + round trip p50))` +
      (bound < 50000 ? ': **the target is above what the floors allow**.' : ': fits.'));
  }
  return { rows, bullets, context: read.context };
}
const floors_section = machine_floors();
if (floors_section) {
  console.log('\nwhat this machine allows (suda-floors):');
  for (const [floor, measured, unit, , verdict] of floors_section.rows) console.log(`  ${floor.padEnd(66)}${measured.padStart(10)} ${unit}  ${verdict.replace(/\*\*/g, '')}`);
  for (const b of floors_section.bullets) console.log(`  - ${b.replace(/\*\*/g, '')}`);
}

if (!args.out) process.exit(0);

// ---- plots --------------------------------------------------------------------------------------------------
const plots = [];
function bar_plot(name, title, ylabel, groups, metric_label, opts = {}) {
  if (!args.plots) return;
  const rows = groups.filter((id) => tables[id]);
  if (!rows.length) return;
  mkdirSync(args.plots, { recursive: true });
  const cols = present.filter((s) => rows.some((id) => tables[id].runs[s]));  // servers that ran these cases
  const data = rows.map((id) => {
    const row = tables[id].rows.find((r) => r[0] === metric_label);
    return [id, ...cols.map((s) => (row && row[2][s] !== undefined ? row[2][s] : 0))].join('\t');
  });
  const dat = path.join(last_dir, `${name}.dat`);  // the plot's data stays with the raw results
  writeFileSync(dat, `${data.join('\n')}\n`);  // no header row: gnuplot would give it an empty slot
  const script = [
    `set terminal svg size 720,400 dynamic font "sans,12" background rgb "white"`,
    `set output "${path.join(args.plots, name + '.svg')}"`,
    `set title "${title}"`, `set ylabel "${ylabel}"`,
    `set style data histograms`, `set style histogram clustered gap 1`, `set style fill solid 0.85 border -1`,
    `set boxwidth 0.9`, `set key top right`, `set grid ytics`, `set yrange [0:*]`,
    opts.log ? 'set logscale y; set yrange [*:*]' : '',
    `set xtics nomirror`,
    `plot ${cols.map((s, i) => `"${dat}" using ${i + 2}:xtic(1) title "${s}" lc rgb "${['#2b7bba', '#e0702b', '#8c8c8c'][i]}"`).join(', ')}`,
  ].join('\n');
  try {
    execFileSync('gnuplot', [], { input: script });
    plots.push([name, title]);
  } catch (e) {
    console.error(`gnuplot failed for ${name}: ${e.message}`);
  }
}
const ids = Object.keys(tables);
bar_plot('fanout', 'Fan-out at saturation: delivered messages/s', 'messages delivered per second',
  ids.filter((i) => family(i) === 'fanout'), 'delivered msg/s');
bar_plot('latency', 'End-to-end latency at equal load (median of runs)', 'ms (log scale)',
  ['latency'], 'delivery p99 (ms)', { log: true });
bar_plot('durable', 'Durable writes: acked messages/s (ack after commit)', 'acked messages per second',
  ['durable'], 'acked msg/s');
bar_plot('idle', 'Server memory per idle connection', 'KiB per client',
  ids.filter((i) => family(i) === 'idle'), 'server RSS per client (KiB)');
bar_plot('storm', 'Connection storm: handshakes per second', 'Socket.IO handshakes per second',
  ids.filter((i) => family(i) === 'storm'), 'handshakes/s');
bar_plot('history', 'History reads (GET /api/room/{id}/chat, 50 messages)', 'requests per second',
  ['history'], 'requests/s');

// A latency plot with the three percentiles side by side is more telling than p99 alone.
if (args.plots && tables.latency) {
  const cols = present.filter((s) => tables.latency.runs[s]);
  const labels = ['delivery p50 (ms)', 'delivery p99 (ms)', 'delivery p99.9 (ms)'];
  const dat = path.join(last_dir, 'latency.dat');
  writeFileSync(dat, labels.map((l) => {
    const row = tables.latency.rows.find((r) => r[0] === l);
    return [l.replace('delivery ', '').replace(' (ms)', ''), ...cols.map((s) => row?.[2][s] ?? 0)].join('\t');
  }).join('\n') + '\n');
  const script = [
    `set terminal svg size 720,400 dynamic font "sans,12" background rgb "white"`,
    `set output "${path.join(args.plots, 'latency.svg')}"`,
    `set title "End-to-end latency at equal load (intended send -> receipt)"`, `set ylabel "ms (log scale)"`,
    `set style data histograms`, `set style histogram clustered gap 1`, `set style fill solid 0.85 border -1`,
    `set logscale y`, `set grid ytics`, `set key top left`,
    `plot ${cols.map((s, i) => `"${dat}" using ${i + 2}:xtic(1) title "${s}" lc rgb "${['#2b7bba', '#e0702b', '#8c8c8c'][i]}"`).join(', ')}`,
  ].join('\n');
  try { execFileSync('gnuplot', [], { input: script }); } catch (e) { console.error(`gnuplot failed: ${e.message}`); }
}

// ---- docs/benchmarks.md ---------------------------------------------------------------------------------------
const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
const cpu_model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1] ?? 'unknown';
const cpus = os.cpus().length;
// The commit the binaries were built from (compare records it), else the tree's HEAD now.
let commit = 'unknown';
try {
  commit = readFileSync(path.join(last_dir, 'commit'), 'utf8').trim();
} catch {
  try { commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim(); } catch { /* no git */ }
}
const node_version = process.version;
const loadavg = (name) => result_dirs.map((dir) => {
  try { return readFileSync(path.join(dir, name), 'utf8').split(' ').slice(0, 3).join(' '); } catch { return '?'; }
}).join('; ');
const plural = (n, word) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
const describe_load = (l) => {
  const parts = [plural(l.clients, 'client'), plural(l.users, 'user')];
  if (l.rooms) parts.push(`${l.rooms} room${l.rooms > 1 ? 's' : ''} × ${l.membersPerRoom} user${l.membersPerRoom > 1 ? 's' : ''} (${(l.clients / l.users * l.membersPerRoom).toLocaleString('en-US')} sockets per room)`);
  if (l.senders) parts.push(plural(l.senders, 'sender'));
  if (l.window) parts.push(`${l.window} unacked per sender (saturation)`);
  else if (l.senders) parts.push(`${l.rate} msg/s open loop`);
  if (l.slowClients) parts.push(`${l.slowClients} clients stop reading`);
  if (l.duration) parts.push(`${l.duration} s`);
  return parts.join(', ');
};

const what = {
  idle: 'Clients connect (WebSocket, Engine.IO open, Socket.IO CONNECT with a token, catch-up until `synced`) and stay idle. Server RSS before the first connection and once all are connected; the difference divided by the clients is the memory per connection.',
  storm: 'Clients connect as fast as 512 concurrent attempts allow; handshakes per second over the whole set-up, and the time each handshake took (TCP connect to `synced`).',
  fanout: 'One sender per room keeps 4 messages in flight (a new one as soon as one is acked), so about 4,000 deliveries are always queued and the server runs at saturation; every message goes to every socket in its room. Delivered messages/s, with loss checked per message.',
  latency: 'The same moderate open-loop load on both servers: each message is due at a fixed time, and latency counts from that time (not from when it could be sent) to the receipt by each member, so a stalled server cannot hide its own backlog.',
  durable: '64 senders, each waiting for its ack (which means committed to disk on both servers) before sending the next: acked messages per second.',
  history: '`wrk -t1 -c32` on `GET /api/room/{id}/chat?limit=50` (a room with 500 messages), with a bearer token.',
  slow: 'One room of 100 sockets receives 100 messages/s of 4 KB (open loop); 10 of the sockets stop reading (with an 8 KiB receive buffer, so their backlog lands in the server). The readers\' throughput, latency and loss, the server memory at the end, and how many sockets the server dropped.',
};

let md = `# Benchmarks: suda against the Node.js reference

Generated by ${(args.command ?? [`bench/compare${args.mode === 'quick' ? ' --quick' : ''}`]).map((c) => `\`${c}\``).join(' and ')} (${args.repeats} repeats per server, medians shown) on ${new Date().toISOString().slice(0, 10)}, commit \`${commit}\`.
How to run it and what each part does: [bench/README.md](../bench/README.md).

**Machine:** ${cpu_model}, ${cpus} CPUs, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Linux ${os.release()}, Node ${node_version}.
The server under test is pinned to CPU 0 and the load generator (\`suda-bench\`, or \`wrk\`) to CPU 1 (\`taskset\`),
so each server gets exactly one core. Fresh data directory for every run.
Load average (1, 5, 15 min) before the runs: ${loadavg('loadavg.before')}; after: ${loadavg('loadavg.after')}${'' }
(anything above ~2 means other work shared these two cores during the runs, and the numbers are noisier for it).

**The servers.**
- **suda**: the Release build (\`build-release/src/suda\`, default settings: one I/O thread per core it may run on (so one here), WAL + \`synchronous=FULL\`, group commit, jemalloc, and broadcasts held up to 50 ms on sockets that wrote a broadcast less than 50 ms ago (\`--broadcast-linger-us\`, see [performance.md](performance.md)).
- **reference**: \`bench/reference/server.mjs\`: the original series' stack, socket.io 4 + better-sqlite3 12, one transaction per message (as Prisma's \`create\` does), ack after the insert, broadcast to the room; WAL + \`synchronous=FULL\` so both servers give the same durability.
- **reference-batch**: the same with \`--batch\`: the messages of one event-loop turn are inserted in one transaction.

Ratios are suda / reference (the per-message reference). ↑ higher is better, ↓ lower is better.
${args.mode === 'quick' ? '\n> **Scales**: quick-mode cases are small (3–20 s runs, few users with many sockets each); each section\'s load\n> line gives its exact load. They show the shape, not the limits; the full run (`bench/compare`) uses the\n> issue\'s scales.\n' : ''}`;

// ---- the issue's targets, each with its measured ratio -------------------------------------------------------
// [target, measured text, met: true | false | undefined (no verdict: not run, or not a ratio)]
const targets = [];
for (const id of ids.filter((i) => family(i) === 'fanout')) {
  const r = case_ratio(id, 'delivered msg/s');
  targets.push([`${id}: delivered msg/s ≥ 10× reference`, `${fmt(value(id, 'delivered msg/s'))} vs ${fmt(value(id, 'delivered msg/s', 'reference'))}: ${times(r)}`, r === undefined ? undefined : r >= 10]);
}
for (const id of ids.filter((i) => family(i) === 'fanout')) {
  const r = case_ratio(id, 'server CPU per delivery (us)');
  targets.push([`${id}: CPU per delivery ≤ 1/10 of reference`, `${fmt(value(id, 'server CPU per delivery (us)'))} µs vs ${fmt(value(id, 'server CPU per delivery (us)', 'reference'))} µs: ${times(r)}`, r === undefined ? undefined : r <= 0.1]);
}
if (tables.latency) {
  const r = case_ratio('latency', 'delivery p99 (ms)');
  targets.push(['latency: p99 at equal load ≤ 1/5 of reference', `${fmt(value('latency', 'delivery p99 (ms)'))} ms vs ${fmt(value('latency', 'delivery p99 (ms)', 'reference'))} ms: ${times(r)}`, r === undefined ? undefined : r <= 0.2]);
}
for (const id of ids.filter((i) => family(i) === 'idle')) {
  const kib = value(id, 'server RSS per client (KiB)');
  const r = case_ratio(id, 'server RSS per client (KiB)');
  targets.push([`${id}: memory per idle connection ≤ 4 KiB and ≤ 1/10 of reference`, `${fmt(kib)} KiB vs ${fmt(value(id, 'server RSS per client (KiB)', 'reference'))} KiB: ${times(r)}`, kib === undefined || r === undefined ? undefined : kib <= 4 && r <= 0.1]);
}
for (const id of ids.filter((i) => family(i) === 'storm')) {
  const r = case_ratio(id, 'handshakes/s');
  targets.push([`${id}: connection set-up ≥ 5× reference`, `${fmt(value(id, 'handshakes/s'))}/s vs ${fmt(value(id, 'handshakes/s', 'reference'))}/s: ${times(r)}`, r === undefined ? undefined : r >= 5]);
}
if (tables.durable) {
  const acked = value('durable', 'acked msg/s');
  const r = case_ratio('durable', 'acked msg/s');
  targets.push(['durable: acked msg/s ≥ 20× the per-message reference', `${fmt(acked)}/s vs ${fmt(value('durable', 'acked msg/s', 'reference'))}/s: ${times(r)}`, r === undefined ? undefined : r >= 20]);
  targets.push(['durable: ≥ 50,000 acked msg/s with fsync on every commit', `${fmt(acked)}/s`, acked === undefined ? undefined : acked >= 50000]);
}
if (tables.slow) {
  const growth = median(tables.slow.runs.suda?.map((r) => (r.server?.rssEndBytes - r.server?.rssConnectedBytes) / 2 ** 20) ?? []);
  targets.push(['slow consumers: bounded server memory', `RSS at the end ${fmt(value('slow', 'server RSS at the end (MiB)'))} MiB (reference ${fmt(value('slow', 'server RSS at the end (MiB)', 'reference'))} MiB), growth while the run lasted ${fmt(growth)} MiB; ${fmt(value('slow', 'clients dropped by the server'))} slow sockets dropped at the queue bound`, undefined]);
}
if (targets.length) {
  md += '\n## The issue\'s targets\n\n| target | measured (suda vs reference) | met |\n|---|---|:---:|\n';
  for (const [target, measured, met] of targets) md += `| ${target} | ${measured} | ${met === undefined ? '–' : met ? 'yes' : 'no'} |\n`;
  console.log('\ntargets:');
  for (const [target, measured, met] of targets) console.log(`  ${met === undefined ? '   ' : met ? 'MET' : 'NOT'}  ${target}: ${measured}`);
}

if (floors_section) {
  const c = floors_section.context;
  md += `\n## What this machine allows\n\nFloors measured by \`suda-floors\` ([bench/floors/floors.cpp](../bench/floors/floors.cpp)) in the same run, before the scenarios${c.load_avg ? ` (load average ${c.load_avg.map((x) => x.toFixed(2)).join(' ')})` : ''}: loopback TCP, fdatasync and thread handoffs with none of suda's code, the measuring thread on the servers' CPU and its peer on the generator's. A target below a floor cannot be met by server code at that shape; each target is derived from the reference's numbers above. CPU is the thread's CPU time, the accounting suda-bench reads from \`/proc/<pid>/stat\` (on loopback it includes the receiver's TCP path, which runs in the sender's context). What each line measures: [bench/README.md](../bench/README.md#suda-floors-what-this-machine-allows).\n\n`;
  md += '| floor | measured | unit | bounds the target | target vs floor |\n|---|---:|---|---|---|\n';
  for (const row of floors_section.rows) md += `| ${row.join(' | ')} |\n`;
  if (floors_section.bullets.length) md += '\n' + floors_section.bullets.map((b) => `- ${b}`).join('\n') + '\n';
}

for (const [id, t] of Object.entries(tables)) {
  // The history case's load is wrk's, described above; the generator only seeded the room.
  const load_line = family(id) === 'history' ? '' : `Load: ${describe_load(t.load)}.\n\n`;
  md += `\n## ${id}\n\n${what[family(id)] ?? ''}\n\n${load_line}`;
  md += `| metric | ${present.join(' | ')} | suda / reference |\n|---|${present.map(() => '---:').join('|')}|---:|\n`;
  for (const [label, better, medians, r] of t.rows)
    md += `| ${label} ${better === 'higher' ? '↑' : '↓'} | ${present.map((s) => fmt(medians[s])).join(' | ')} | ${r === undefined ? '–' : r.toFixed(2) + '×'} |\n`;
  if (t.notes.length) md += '\n' + t.notes.map((n) => `- ${n}`).join('\n') + '\n';
}

let skipped = '';
for (const dir of result_dirs) {
  try { skipped += readFileSync(path.join(dir, 'skipped.txt'), 'utf8'); } catch { /* nothing skipped */ }
}
if (skipped) {
  const lines = [...new Set(skipped.trim().split('\n'))];
  md += `\n## Not run on this machine\n\n${lines.map((l) => `- ${l}`).join('\n')}\n`;
  console.log(`\nskipped:\n${lines.join('\n')}`);
}

if (args.plots) {
  const rel = path.relative(path.dirname(args.out), args.plots);
  md += '\n## Plots\n\n';
  for (const name of ['fanout', 'latency', 'durable', 'idle', 'storm', 'history'])
    try { readFileSync(path.join(args.plots, `${name}.svg`)); md += `![${name}](${rel}/${name}.svg)\n\n`; } catch { /* not run */ }
}

md += `
## Reading these numbers

- One core per server: suda's threads (I/O, writer, readers, CPU pool) share one CPU, as does the reference's
  event loop. How either scales on more cores is not measured here.
- The generator has one core too. Where a result says the generator was saturated, the server may be faster than shown.
- Loss is exact, not sampled: every acked message is checked against every reading socket of its room.
- Durability is equal on both sides (an ack means the row is on disk), so the durable-writes row compares group commit
  against one transaction per message, which is the design difference the issue asks to measure.
`;
mkdirSync(path.dirname(args.out), { recursive: true });
writeFileSync(args.out, md);
console.log(`\nwrote ${args.out}${args.plots ? ` and plots in ${args.plots}` : ''}`);
