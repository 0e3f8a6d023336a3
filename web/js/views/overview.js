// Overview: the server's version and uptime, the GetStats figures, messages and bytes per
// second over the last minutes (sampled from /stats while the dashboard is open), and
// whether each transport listens (cluster metadata's ports, 0 = disabled; /readyz).

import { get } from "../api.js";
import { lineChart } from "../chart.js";
import { errorBox, facts, figure, h, mount, table } from "../dom.js";
import { bytes, count, duration, parseBytes, percent, perSecond, size, time } from "../format.js";
import { websocketUrl } from "./tail.js";

const SAMPLE_MS = 2000;
const WINDOW_MS = 10 * 60 * 1000;

let samples = [];
let latest = null;
let sampleError = null;
let timer = null;
const watchers = new Set();

async function sample() {
  try {
    latest = await get("/stats");
    sampleError = null;
    samples.push({ t: Date.now(), messages: Number(latest.messages_count), bytes: parseBytes(latest.messages_size_bytes) });
    const cutoff = Date.now() - WINDOW_MS - SAMPLE_MS;
    while (samples.length && samples[0].t < cutoff) samples.shift();
  } catch (e) {
    sampleError = e;
  }
  for (const watcher of watchers) watcher();
}

/** Starts sampling /stats (from login until logout). */
export function startSampling() {
  stopSampling();
  samples = [];
  sample();
  timer = setInterval(sample, SAMPLE_MS);
}

export function stopSampling() {
  clearInterval(timer);
  timer = null;
  samples = [];
  latest = null;
}

/** Rates between consecutive samples: [{t, v}]. Deletions (retention, purge) count as 0. */
function rates(key) {
  const out = [];
  for (let i = 1; i < samples.length; i++) {
    const dt = (samples[i].t - samples[i - 1].t) / 1000;
    out.push({ t: samples[i].t, v: dt > 0 ? Math.max(0, samples[i][key] - samples[i - 1][key]) / dt : 0 });
  }
  return out;
}

export async function overviewView(main) {
  const stats = h("div", { id: "overview-stats" });
  const charts = h("div", { id: "overview-charts" });
  const transports = h("div", { id: "overview-transports" });
  mount(main, h("h1", {}, "Overview"), stats, h("h2", {}, "Throughput"), charts, h("h2", {}, "Transports"), transports);
  const draw = () => {
    drawStats(stats);
    drawCharts(charts);
  };
  draw();
  watchers.add(draw);
  const refreshTransports = () => drawTransports(transports);
  await refreshTransports();
  const every = setInterval(refreshTransports, 5000);
  return () => {
    watchers.delete(draw);
    clearInterval(every);
  };
}

function drawStats(box) {
  if (sampleError) return mount(box, errorBox(sampleError));
  if (!latest) return mount(box, h("p", { class: "muted" }, "Reading the server's figures…"));
  const s = latest;
  mount(
    box,
    h(
      "div",
      { class: "panel" },
      facts([
        ["Version", h("span", { id: "server-version" }, s.iggy_server_version)],
        ["Uptime", h("span", { id: "server-uptime" }, duration(s.run_time))],
        ["Started", time(s.start_time)],
        ["Host", `${s.hostname} · ${s.os_name} ${s.os_version} · kernel ${s.kernel_version}`],
        ["Process", `pid ${s.process_id} · ${count(s.threads_count)} threads · CPU ${percent(s.cpu_usage)} (machine ${percent(s.total_cpu_usage)})`],
        ["Memory", h("span", {}, size(s.memory_usage), " used · ", size(s.available_memory), " free of ", size(s.total_memory))],
        ["Disk", h("span", {}, size(s.free_disk_space), " free of ", size(s.total_disk_space), " · read ", size(s.read_bytes), " · written ", size(s.written_bytes))],
      ]),
    ),
    h(
      "div",
      { class: "grid" },
      figure("Streams", count(s.streams_count)),
      figure("Topics", count(s.topics_count)),
      figure("Partitions", count(s.partitions_count)),
      figure("Segments", count(s.segments_count)),
      figure("Messages", h("span", { id: "stat-messages" }, count(s.messages_count))),
      figure("Stored", bytes(parseBytes(s.messages_size_bytes)), String(s.messages_size_bytes)),
      figure("Clients", count(s.clients_count)),
      figure("Consumer groups", count(s.consumer_groups_count)),
    ),
  );
}

function drawCharts(box) {
  const messages = rates("messages");
  const stored = rates("bytes");
  const last = (series) => (series.length ? series[series.length - 1].v : 0);
  mount(
    box,
    h(
      "div",
      { class: "charts" },
      h(
        "div",
        { class: "panel" },
        h("div", { class: "legend" }, h("span", { class: "k1" }, `Messages: ${perSecond(last(messages), "msg")}`)),
        lineChart(messages, { windowMs: WINDOW_MS, label: (v) => perSecond(v, "msg"), cls: "line-1", title: "Messages per second" }),
      ),
      h(
        "div",
        { class: "panel" },
        h("div", { class: "legend" }, h("span", { class: "k2" }, `Bytes: ${perSecond(last(stored), "B")}`)),
        lineChart(stored, { windowMs: WINDOW_MS, label: (v) => perSecond(v, "B"), cls: "line-2", title: "Bytes per second" }),
      ),
    ),
    h("p", { class: "muted" }, `Sampled every ${SAMPLE_MS / 1000} s from /stats while the dashboard is open; the last ${WINDOW_MS / 60000} minutes.`),
  );
}

async function drawTransports(box) {
  let metadata;
  let ready;
  try {
    metadata = await get("/cluster/metadata");
  } catch (e) {
    return mount(box, errorBox(e));
  }
  try {
    const response = await fetch("/readyz", { cache: "no-store" });
    ready = { ok: response.ok, ...(await response.json()) };
  } catch (e) {
    ready = { ok: false, reason: e.message };
  }
  const node = metadata.nodes[0];
  const ws = websocketUrl();
  const rows = [
    ["TCP", node.endpoints.tcp],
    ["QUIC", node.endpoints.quic],
    ["HTTP", node.endpoints.http],
    ["WebSocket", node.endpoints.websocket],
  ];
  const state = (port) => {
    if (!port) return h("span", { class: "badge off" }, "disabled");
    return ready.ok ? h("span", { class: "badge ok" }, "ready") : h("span", { class: "badge bad" }, `not ready: ${ready.reason || "?"}`);
  };
  mount(
    box,
    table(
      [
        { label: "Transport", cell: (r) => r[0] },
        { label: "Address", cell: (r) => (r[1] ? (r[0] === "WebSocket" && ws ? ws : `${node.ip}:${r[1]}`) : "—") },
        { label: "State", cell: (r) => state(r[1]) },
      ],
      rows,
    ),
    h("p", { class: "muted" }, `Cluster “${metadata.name}”, node “${node.name}” (${node.role}, ${node.status}).`),
  );
}
