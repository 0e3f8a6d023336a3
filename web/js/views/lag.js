// Stored offsets and lag (current offset minus stored offset) of every consumer and
// consumer group, per partition and in total, from GET .../consumer-lag; refreshed every
// two seconds, so a consumer catching up shows its lag falling.

import { get, topicPath } from "../api.js";
import { errorBox, h, mount, table } from "../dom.js";
import { count } from "../format.js";

const REFRESH_MS = 2000;

export async function lagTab(box, { stream, topic }) {
  const path = `${topicPath(stream.id, topic.id)}/consumer-lag`;
  const view = h("div", { id: "lag" });
  const updated = h("span", { class: "muted", id: "lag-updated" });
  const refresh = h("button", { type: "button", id: "lag-refresh" }, "Refresh");
  const load = async () => {
    try {
      draw(view, await get(path));
      mount(updated, `Updated ${new Date().toLocaleTimeString()}`);
    } catch (e) {
      mount(view, errorBox(e));
    }
  };
  refresh.addEventListener("click", load);
  mount(box, h("div", { class: "bar" }, refresh, updated), view);
  await load();
  const every = setInterval(load, REFRESH_MS);
  return () => clearInterval(every);
}

const who = (kind, e) => (kind === "group" ? `group ${e.name ?? e.id}` : `consumer ${e.id}`);

function draw(view, lag) {
  const rows = [];
  for (const p of lag.partitions) {
    for (const g of p.consumer_groups) rows.push({ p, kind: "group", e: g });
    for (const c of p.consumers) rows.push({ p, kind: "consumer", e: c });
  }
  const totals = [
    ...lag.consumer_groups.map((e) => ({ kind: "group", e })),
    ...lag.consumers.map((e) => ({ kind: "consumer", e })),
  ];
  mount(
    view,
    h("h2", {}, "Totals"),
    table(
      [
        { label: "Consumer", cell: (r) => who(r.kind, r.e) },
        { label: "Partitions with an offset", cell: (r) => count(r.e.partitions_count), num: true },
        { label: "Lag", cell: (r) => h("span", { class: "lag-total", "data-who": who(r.kind, r.e) }, r.e.partitions_count ? count(r.e.lag) : "—"), num: true },
      ],
      totals,
      "No consumer or group has stored an offset on this topic.",
    ),
    h("h2", {}, "Per partition"),
    table(
      [
        { label: "Partition", cell: (r) => r.p.partition_id, num: true },
        { label: "Current offset", cell: (r) => count(r.p.current_offset), num: true },
        { label: "Consumer", cell: (r) => who(r.kind, r.e) },
        { label: "Stored offset", cell: (r) => count(r.e.stored_offset), num: true },
        { label: "Lag", cell: (r) => h("span", { class: "lag", "data-who": who(r.kind, r.e), "data-partition": String(r.p.partition_id) }, count(r.e.lag)), num: true },
      ],
      rows,
      "No stored offsets.",
    ),
    h("p", { class: "muted" }, "Lag = the partition's current offset minus the stored offset. A named consumer's id is the XXH32 hash of its name."),
  );
}
