// Reading a partition: by offset, timestamp, first or last; paging forwards and back;
// each message as text, pretty JSON or hex. Reads never store an offset (auto_commit off).
// Below, the form to send a message with headers.

import { get, topicPath } from "../api.js";
import { errorBox, h, mount } from "../dom.js";
import { count } from "../format.js";
import { fromJson, messageCard } from "../message.js";
import { sendForm } from "./send.js";

export function messagesTab(box, { stream, topic }) {
  const path = topicPath(stream.id, topic.id);
  const state = { partition: 0, kind: "last", value: "0", count: 20, format: "text", page: null };
  const partition = h("select", { id: "read-partition" }, topic.partitions.map((p) => h("option", { value: String(p.id) }, `Partition ${p.id}`)));
  const kind = h("select", { id: "read-kind" }, [["first", "First"], ["last", "Last"], ["offset", "From offset"], ["timestamp", "From time"]].map(([v, t]) => h("option", { value: v }, t)));
  kind.value = state.kind;
  const offset = h("input", { id: "read-offset", type: "number", min: 0, value: "0" });
  const when = h("input", { id: "read-time", type: "datetime-local", step: "1" });
  const howMany = h("input", { id: "read-count", type: "number", min: 1, max: 1000, value: String(state.count) });
  const format = h("select", { id: "read-format" }, [["text", "Text"], ["json", "JSON"], ["hex", "Hex"]].map(([v, t]) => h("option", { value: v }, t)));
  const read = h("button", { class: "primary", type: "submit", id: "read" }, "Read");
  const older = h("button", { type: "button", id: "older", disabled: true }, "← Older");
  const newer = h("button", { type: "button", id: "newer", disabled: true }, "Newer →");
  const status = h("p", { class: "muted", id: "read-status", role: "status" });
  const list = h("div", { class: "messages", id: "messages" });
  const offsetLabel = h("label", { for: "read-offset" }, "Offset", offset);
  const timeLabel = h("label", { for: "read-time" }, "Time (your zone)", when);
  const showValue = () => {
    offsetLabel.hidden = kind.value !== "offset";
    timeLabel.hidden = kind.value !== "timestamp";
  };
  showValue();
  kind.addEventListener("change", showValue);

  const poll = async (k, value) => {
    const query = new URLSearchParams({ partition_id: partition.value, kind: k, value: String(value), count: howMany.value || "20", auto_commit: "false" });
    read.disabled = true;
    try {
      const polled = await get(`${path}/messages?${query}`);
      state.page = { partition: Number(partition.value), current: polled.current_offset, messages: polled.messages.map(fromJson) };
      draw();
    } catch (e) {
      mount(list, errorBox(e));
      mount(status);
    } finally {
      read.disabled = false;
    }
  };
  const draw = () => {
    const page = state.page;
    if (!page) return;
    const n = page.messages.length;
    const first = n ? page.messages[0].offset : null;
    const last = n ? page.messages[n - 1].offset : null;
    older.disabled = !n || first === 0;
    newer.disabled = !n || last >= page.current;
    mount(status, n ? `Partition ${page.partition}: offsets ${count(first)}–${count(last)} of 0–${count(page.current)}.` : `Partition ${page.partition}: no messages there (current offset ${count(page.current)}).`);
    mount(list, page.messages.map((m) => messageCard(m, format.value)));
  };
  const form = h(
    "form",
    { class: "row", id: "read-form" },
    h("label", { for: "read-partition" }, "Partition", partition),
    h("label", { for: "read-kind" }, "Start", kind),
    offsetLabel,
    timeLabel,
    h("label", { for: "read-count" }, "Count", howMany),
    h("label", { for: "read-format" }, "Show as", format),
    read,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (kind.value === "offset") poll("offset", offset.value || 0);
    else if (kind.value === "timestamp") poll("timestamp", when.value ? new Date(when.value).getTime() * 1000 : 0);
    else poll(kind.value, 0);
  });
  format.addEventListener("change", draw);
  older.addEventListener("click", () => {
    const first = state.page.messages[0].offset;
    poll("offset", Math.max(0, first - Number(howMany.value || 20)));
  });
  newer.addEventListener("click", () => {
    const page = state.page;
    poll("offset", page.messages[page.messages.length - 1].offset + 1);
  });
  mount(
    box,
    h("section", { class: "panel", "aria-labelledby": "read-title" }, h("h2", { id: "read-title" }, "Read messages"), form, h("div", { class: "bar" }, older, newer, status), list),
    sendForm(stream, topic, () => form.requestSubmit()),
  );
  form.requestSubmit();
}
