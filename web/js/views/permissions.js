// The whole permission model as a form (http-api.md §8.3): the ten global rights, then
// rights per stream, and within a stream per topic. Saved with PUT /users/{id}/permissions.

import { get, put } from "../api.js";
import { errorBox, h, mount, toast } from "../dom.js";

const GLOBAL = [
  ["manage_servers", "Manage servers"],
  ["read_servers", "Read servers (stats, clients)"],
  ["manage_users", "Manage users"],
  ["read_users", "Read users"],
  ["manage_streams", "Manage streams"],
  ["read_streams", "Read streams"],
  ["manage_topics", "Manage topics"],
  ["read_topics", "Read topics"],
  ["poll_messages", "Poll messages"],
  ["send_messages", "Send messages"],
];
const STREAM = [
  ["manage_stream", "Manage stream"],
  ["read_stream", "Read stream"],
  ["manage_topics", "Manage topics"],
  ["read_topics", "Read topics"],
  ["poll_messages", "Poll messages"],
  ["send_messages", "Send messages"],
];
const TOPIC = [
  ["manage_topic", "Manage topic"],
  ["read_topic", "Read topic"],
  ["poll_messages", "Poll messages"],
  ["send_messages", "Send messages"],
];

let uid = 0;

/** Checkboxes for `flags` with values from `current`; answers [element, read()]. */
function checks(flags, current, prefix) {
  const boxes = flags.map(([key, label]) => {
    const id = `perm-${prefix}-${key}-${uid++}`;
    const input = h("input", { type: "checkbox", id, "data-perm": key, checked: current?.[key] });
    return { key, input, label: h("label", { class: "check", for: id }, input, label) };
  });
  const read = () => Object.fromEntries(boxes.map((b) => [b.key, b.input.checked]));
  return [h("div", { class: "perm-grid" }, boxes.map((b) => b.label)), read];
}

/** An id picker: a select of the known items (id, name), or a number input. */
function picker(items, value, label) {
  const id = `perm-pick-${uid++}`;
  const input = items
    ? h("select", { id }, items.map((i) => h("option", { value: String(i.id) }, `${i.name} (ID ${i.id})`)))
    : h("input", { id, type: "number", min: 0, value: String(value ?? 0) });
  if (value !== undefined) input.value = String(value);
  return [h("label", { for: id }, label, input), input];
}

export async function permissionsForm(user) {
  const box = h("section", { class: "panel", id: "permissions", "aria-labelledby": "permissions-title" }, h("h2", { id: "permissions-title" }, "Permissions"));
  if (user.id === 0) {
    box.append(h("p", { class: "note" }, "The root user has every permission; they cannot be changed."));
    return box;
  }
  let streams = null;
  try {
    streams = await get("/streams");
  } catch {
    streams = null; // no right to list streams: ids are typed instead
  }
  const topicsOf = async (streamId) => {
    try {
      return await get(`/streams/${streamId}/topics`);
    } catch {
      return null;
    }
  };
  const p = user.permissions || { global: {}, streams: {} };
  const [globalChecks, readGlobal] = checks(GLOBAL, p.global, "global");
  const streamList = h("div", { id: "perm-streams" });
  const readers = [];

  const addStream = async (streamId, current) => {
    const [pickLabel, pick] = picker(streams, streamId, "Stream");
    const [flags, readFlags] = checks(STREAM, current, "stream");
    const topicList = h("div");
    const topicReaders = [];
    const addTopic = async (topicId, currentTopic) => {
      const [topicPickLabel, topicPick] = picker(await topicsOf(pick.value), topicId, "Topic");
      const [topicFlags, readTopicFlags] = checks(TOPIC, currentTopic, "topic");
      const entry = { read: () => [topicPick.value, readTopicFlags()] };
      const remove = h("button", { type: "button", onclick: () => { fieldset.remove(); topicReaders.splice(topicReaders.indexOf(entry), 1); } }, "Remove topic");
      const fieldset = h("fieldset", {}, h("legend", {}, "Topic"), h("div", { class: "row" }, topicPickLabel, remove), topicFlags);
      topicReaders.push(entry);
      topicList.append(fieldset);
    };
    const entry = {
      read: () => {
        const topics = Object.fromEntries(topicReaders.map((t) => t.read()));
        return [pick.value, { ...readFlags(), topics: Object.keys(topics).length ? topics : null }];
      },
    };
    const remove = h("button", { type: "button", onclick: () => { fieldset.remove(); readers.splice(readers.indexOf(entry), 1); } }, "Remove stream");
    const fieldset = h(
      "fieldset",
      { class: "perm-stream" },
      h("legend", {}, "Stream"),
      h("div", { class: "row" }, pickLabel, remove),
      flags,
      topicList,
      h("button", { type: "button", onclick: () => addTopic() }, "Add topic rights"),
    );
    readers.push(entry);
    streamList.append(fieldset);
    for (const [tid, tp] of Object.entries(current?.topics || {})) await addTopic(tid, tp);
  };
  for (const [sid, sp] of Object.entries(p.streams || {})) await addStream(sid, sp);

  const error = h("div");
  const save = h("button", { class: "primary", type: "submit", id: "save-permissions" }, "Save permissions");
  const form = h(
    "form",
    { id: "permissions-form" },
    h("fieldset", {}, h("legend", {}, "Global"), globalChecks),
    streamList,
    h("div", { class: "bar" }, h("button", { type: "button", id: "add-stream-permissions", onclick: () => addStream() }, "Add stream rights")),
    error,
    save,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    mount(error);
    save.disabled = true;
    const streamRights = Object.fromEntries(readers.map((r) => r.read()));
    const permissions = { global: readGlobal(), streams: Object.keys(streamRights).length ? streamRights : null };
    try {
      await put(`/users/${user.id}/permissions`, { permissions });
      toast(`Permissions of “${user.username}” saved.`);
    } catch (e) {
      mount(error, errorBox(e));
    } finally {
      save.disabled = false;
    }
  });
  box.append(form);
  return box;
}
