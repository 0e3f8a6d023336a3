// A topic: its figures and settings, and tabs for its partitions, messages, consumer
// groups, consumer lag and live tail.

import { del, get, post, seg, topicPath } from "../api.js";
import { busy, confirmAction, errorBox, facts, formDialog, h, mount, table, toast } from "../dom.js";
import { count, expiry, maxSize, size, time } from "../format.js";
import { navigate } from "../router.js";
import { groupsTab } from "./groups.js";
import { lagTab } from "./lag.js";
import { messagesTab } from "./messages.js";
import { topicForm } from "./streams.js";
import { tailTab } from "./tail.js";

const TABS = [
  ["partitions", "Partitions", partitionsTab],
  ["messages", "Messages", messagesTab],
  ["groups", "Consumer groups", groupsTab],
  ["lag", "Offsets & lag", lagTab],
  ["tail", "Live tail", tailTab],
];

export async function topicView(main, { stream, topic, tab = "partitions" }) {
  let streamDetails;
  let details;
  try {
    [streamDetails, details] = await Promise.all([get(`/streams/${seg(stream)}`), get(topicPath(stream, topic))]);
  } catch (e) {
    return mount(main, h("h1", {}, `Topic ${topic}`), errorBox(e));
  }
  const base = `/ui/streams/${streamDetails.id}/topics/${details.id}`;
  const current = TABS.find(([key]) => key === tab) || TABS[0];
  const edit = h("button", { type: "button", id: "edit-topic", onclick: () => topicForm(streamDetails, details) }, "Edit");
  const purge = h("button", { type: "button", id: "purge-topic", onclick: () => purgeTopic(streamDetails, details, purge) }, "Purge");
  const remove = h("button", { class: "danger", type: "button", id: "delete-topic", onclick: () => deleteTopic(streamDetails, details, remove) }, "Delete");
  const body = h("div", { id: "tab" });
  mount(
    main,
    h("p", { class: "crumbs" }, h("a", { href: "/ui/streams" }, "Streams"), " / ", h("a", { href: `/ui/streams/${streamDetails.id}` }, streamDetails.name), " /"),
    h("h1", {}, details.name),
    h("div", { class: "bar" }, h("span", { class: "spacer" }), edit, purge, remove),
    h(
      "div",
      { class: "panel" },
      facts([
        ["ID", String(details.id)],
        ["Messages", count(details.messages_count)],
        ["Size", size(details.size)],
        ["Partitions", count(details.partitions_count)],
        ["Message expiry", expiry(details.message_expiry)],
        ["Max size", maxSize(details.max_topic_size)],
        ["Compression", details.compression_algorithm],
        ["Replication factor", String(details.replication_factor)],
        ["Created", time(details.created_at)],
      ]),
    ),
    h("nav", { class: "tabs", "aria-label": "Topic" }, TABS.map(([key, label]) => h("a", { href: `${base}/${key}`, "aria-current": key === current[0] ? "page" : null }, label))),
    body,
  );
  return current[2](body, { stream: streamDetails, topic: details });
}

async function purgeTopic(stream, topic, button) {
  if (!(await confirmAction("Purge topic", `Delete every message of “${topic.name}” and its stored offsets? Partitions stay.`, "Purge"))) return;
  await busy(button, async () => {
    await del(`${topicPath(stream.id, topic.id)}/purge`);
    toast(`Topic “${topic.name}” purged.`);
    navigate(`/streams/${stream.id}/topics/${topic.id}`, { replace: true });
  });
}

async function deleteTopic(stream, topic, button) {
  if (!(await confirmAction("Delete topic", `Delete “${topic.name}” with its partitions and messages? This cannot be undone.`))) return;
  await busy(button, async () => {
    await del(topicPath(stream.id, topic.id));
    toast(`Topic “${topic.name}” deleted.`);
    navigate(`/streams/${stream.id}`);
  });
}

function partitionsTab(box, { stream, topic }) {
  const path = topicPath(stream.id, topic.id);
  const reload = () => navigate(`/streams/${stream.id}/topics/${topic.id}/partitions`, { replace: true });
  const add = h("button", { type: "button", id: "add-partitions", onclick: async () => {
    const done = await formDialog("Add partitions", [{ name: "n", label: "How many", type: "number", value: "1", min: 1, max: 1000 }], async ({ n }) => {
      await post(`${path}/partitions`, { partitions_count: Number(n) });
      return true;
    }, "Add");
    if (done) reload();
  } }, "Add partitions");
  const removeLast = h("button", { type: "button", id: "remove-partitions", onclick: async () => {
    const done = await formDialog("Remove partitions", [{ name: "n", label: "How many (the last ones, with their messages)", type: "number", value: "1", min: 1, max: 1000 }], async ({ n }) => {
      await del(`${path}/partitions?partitions_count=${Number(n)}`);
      return true;
    }, "Remove");
    if (done) reload();
  } }, "Remove partitions");
  const deleteSegments = async (p) => {
    const done = await formDialog(`Delete segments of partition ${p.id}`, [{ name: "n", label: "Oldest sealed segments to delete", type: "number", value: "1", min: 1, help: "The active segment, and segments a consumer has not read, are kept." }], async ({ n }) => {
      await del(`${path}/partitions/${p.id}?segments_count=${Number(n)}`);
      return true;
    }, "Delete");
    if (done) reload();
  };
  mount(
    box,
    h("div", { class: "bar" }, add, removeLast),
    table(
      [
        { label: "Partition", cell: (p) => p.id, num: true },
        { label: "Current offset", cell: (p) => count(p.current_offset), num: true },
        { label: "Messages", cell: (p) => count(p.messages_count), num: true },
        { label: "Size", cell: (p) => size(p.size), num: true },
        { label: "Segments", cell: (p) => count(p.segments_count), num: true },
        { label: "Created", cell: (p) => time(p.created_at) },
        { label: "", actions: true, cell: (p) => h("button", { type: "button", onclick: () => deleteSegments(p) }, "Delete segments") },
      ],
      topic.partitions,
      "This topic has no partitions.",
    ),
  );
}
