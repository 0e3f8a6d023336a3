// Streams and their topics: list, create, rename, purge, delete (each deletion confirmed),
// with sizes, message counts, expiry and max size in human units.

import { del, get, post, put, seg } from "../api.js";
import { busy, confirmAction, errorBox, formDialog, h, mount, table, toast } from "../dom.js";
import { count, expiry, expiryText, maxSize, maxSizeText, parseExpiry, parseMaxSize, size, time } from "../format.js";
import { navigate } from "../router.js";

export async function streamsView(main) {
  const create = h("button", { class: "primary", type: "button", id: "create-stream", onclick: createStream }, "Create stream");
  const list = h("div", { id: "streams" });
  mount(main, h("h1", {}, "Streams"), h("div", { class: "bar" }, create), list);
  try {
    const streams = await get("/streams");
    mount(
      list,
      table(
        [
          { label: "ID", cell: (s) => s.id, num: true },
          { label: "Name", cell: (s) => h("a", { href: `/ui/streams/${s.id}` }, s.name) },
          { label: "Topics", cell: (s) => count(s.topics_count), num: true },
          { label: "Messages", cell: (s) => count(s.messages_count), num: true },
          { label: "Size", cell: (s) => size(s.size), num: true },
          { label: "Created", cell: (s) => time(s.created_at) },
        ],
        streams,
        "No streams yet.",
      ),
    );
  } catch (e) {
    mount(list, errorBox(e));
  }
}

async function createStream() {
  const created = await formDialog("Create stream", [{ name: "name", label: "Name", required: true }], ({ name }) => post("/streams", { name }), "Create");
  if (created) {
    toast(`Stream “${created.name}” created.`);
    navigate(`/streams/${created.id}`);
  }
}

export async function streamView(main, { stream }) {
  let details;
  try {
    details = await get(`/streams/${seg(stream)}`);
  } catch (e) {
    return mount(main, h("h1", {}, `Stream ${stream}`), errorBox(e));
  }
  const id = details.id;
  const rename = h("button", { type: "button", id: "rename-stream", onclick: () => renameStream(details) }, "Rename");
  const purge = h("button", { type: "button", id: "purge-stream", onclick: () => purgeStream(details, purge) }, "Purge");
  const remove = h("button", { class: "danger", type: "button", id: "delete-stream", onclick: () => deleteStream(details, remove) }, "Delete");
  const createTopic = h("button", { class: "primary", type: "button", id: "create-topic", onclick: () => topicForm(details) }, "Create topic");
  mount(
    main,
    h("p", { class: "crumbs" }, h("a", { href: "/ui/streams" }, "Streams"), " /"),
    h("h1", {}, details.name),
    h("div", { class: "bar" }, h("span", { class: "muted" }, `ID ${id} · ${count(details.messages_count)} messages · `, size(details.size), " · created ", time(details.created_at)), h("span", { class: "spacer" }), rename, purge, remove),
    h("h2", {}, "Topics"),
    h("div", { class: "bar" }, createTopic),
    table(
      [
        { label: "ID", cell: (t) => t.id, num: true },
        { label: "Name", cell: (t) => h("a", { href: `/ui/streams/${id}/topics/${t.id}` }, t.name) },
        { label: "Partitions", cell: (t) => count(t.partitions_count), num: true },
        { label: "Messages", cell: (t) => count(t.messages_count), num: true },
        { label: "Size", cell: (t) => size(t.size), num: true },
        { label: "Expiry", cell: (t) => expiry(t.message_expiry) },
        { label: "Max size", cell: (t) => maxSize(t.max_topic_size) },
        { label: "Created", cell: (t) => time(t.created_at) },
      ],
      details.topics,
      "No topics yet.",
    ),
  );
}

async function renameStream(stream) {
  const done = await formDialog("Rename stream", [{ name: "name", label: "Name", value: stream.name, required: true }], async ({ name }) => {
    await put(`/streams/${stream.id}`, { name });
    return true;
  });
  if (done) navigate(`/streams/${stream.id}`, { replace: true });
}

async function purgeStream(stream, button) {
  if (!(await confirmAction("Purge stream", `Delete every message of every topic of “${stream.name}”? Topics and partitions stay.`, "Purge"))) return;
  await busy(button, async () => {
    await del(`/streams/${stream.id}/purge`);
    toast(`Stream “${stream.name}” purged.`);
    navigate(`/streams/${stream.id}`, { replace: true });
  });
}

async function deleteStream(stream, button) {
  if (!(await confirmAction("Delete stream", `Delete “${stream.name}” with all its topics and messages? This cannot be undone.`))) return;
  await busy(button, async () => {
    await del(`/streams/${stream.id}`);
    toast(`Stream “${stream.name}” deleted.`);
    navigate("/streams");
  });
}

/** Creates a topic in `stream`, or edits `topic` when given. */
export async function topicForm(stream, topic) {
  const fields = [
    { name: "name", label: "Name", value: topic?.name ?? "", required: true },
    !topic && { name: "partitions", label: "Partitions", type: "number", value: "1", min: 0, max: 1000 },
    { name: "expiry", label: "Message expiry", value: topic ? expiryText(topic.message_expiry) : "server default", help: "server default, never, or a duration such as 7 days or 12 h" },
    { name: "maxSize", label: "Max size", value: topic ? maxSizeText(topic.max_topic_size) : "server default", help: "server default, unlimited, or a size such as 10 GB" },
    { name: "compression", label: "Compression", type: "select", options: [["none", "none"], ["gzip", "gzip"]], value: topic?.compression_algorithm ?? "none" },
    { name: "replication", label: "Replication factor", type: "number", value: String(topic?.replication_factor ?? 1), min: 1, max: 255 },
  ].filter(Boolean);
  const submit = async (v) => {
    const body = {
      name: v.name,
      compression_algorithm: v.compression,
      message_expiry: parseExpiry(v.expiry),
      max_topic_size: parseMaxSize(v.maxSize),
      replication_factor: Number(v.replication),
    };
    if (topic) {
      await put(`/streams/${stream.id}/topics/${topic.id}`, body);
      return topic;
    }
    return post(`/streams/${stream.id}/topics`, { ...body, partitions_count: Number(v.partitions) });
  };
  const saved = await formDialog(topic ? "Edit topic" : "Create topic", fields, submit, topic ? "Save" : "Create");
  if (saved) {
    toast(topic ? `Topic “${saved.name}” saved.` : `Topic “${saved.name}” created.`);
    navigate(`/streams/${stream.id}/topics/${saved.id}`, { replace: Boolean(topic) });
  }
  return saved;
}
