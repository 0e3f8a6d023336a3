// Sending one message through POST .../messages: partitioning, optional id, payload as
// text or hex, and typed user headers.

import { post, topicPath } from "../api.js";
import { errorBox, h, mount, toast } from "../dom.js";
import { headerBytes, KINDS, toBase64 } from "../message.js";

export function sendForm(stream, topic, afterSend) {
  const how = h("select", { id: "send-partitioning" }, [["balanced", "Balanced"], ["partition_id", "Partition"], ["messages_key", "Key"]].map(([v, t]) => h("option", { value: v }, t)));
  const partition = h("select", { id: "send-partition" }, topic.partitions.map((p) => h("option", { value: String(p.id) }, `Partition ${p.id}`)));
  const key = h("input", { id: "send-key", placeholder: "e.g. customer-42" });
  const partitionLabel = h("label", { for: "send-partition" }, "Partition", partition);
  const keyLabel = h("label", { for: "send-key" }, "Key", key);
  const id = h("input", { id: "send-id", placeholder: "blank: the server picks one", size: 36 });
  const payload = h("textarea", { id: "send-payload", required: true });
  const encoding = h("select", { id: "send-encoding" }, [["text", "Text (UTF-8)"], ["hex", "Hex bytes"]].map(([v, t]) => h("option", { value: v }, t)));
  const headers = h("div", { id: "send-headers" });
  const error = h("div");
  const send = h("button", { class: "primary", type: "submit", id: "send" }, "Send");
  const showTarget = () => {
    partitionLabel.hidden = how.value !== "partition_id";
    keyLabel.hidden = how.value !== "messages_key";
  };
  showTarget();
  how.addEventListener("change", showTarget);

  const addHeader = () => {
    const n = headers.children.length;
    const k = h("input", { class: "header-key", "aria-label": `Header ${n + 1} key` });
    const kind = h("select", { class: "header-kind", "aria-label": `Header ${n + 1} kind` }, KINDS.map((x) => h("option", { value: x }, x)));
    kind.value = "string";
    const v = h("input", { class: "header-value-input", "aria-label": `Header ${n + 1} value` });
    const row = h("div", { class: "row header-row" }, k, kind, v, h("button", { type: "button", "aria-label": `Remove header ${n + 1}`, onclick: () => row.remove() }, "Remove"));
    headers.append(row);
    k.focus();
  };
  const form = h(
    "form",
    { class: "form", id: "send-form" },
    h("div", { class: "row" }, h("label", { for: "send-partitioning" }, "Partitioning", how), partitionLabel, keyLabel),
    h("label", { for: "send-id" }, "Message id (decimal or UUID)", id),
    h("div", { class: "row" }, h("label", { for: "send-encoding" }, "Payload is", encoding)),
    h("label", { for: "send-payload" }, "Payload", payload),
    h("fieldset", {}, h("legend", {}, "Headers"), headers, h("button", { type: "button", id: "add-header", onclick: addHeader }, "Add header")),
    error,
    h("div", {}, send),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    mount(error);
    send.disabled = true;
    try {
      await post(`${topicPath(stream.id, topic.id)}/messages`, body());
      toast("Message sent.");
      payload.value = "";
      afterSend();
    } catch (e) {
      mount(error, errorBox(e));
    } finally {
      send.disabled = false;
    }
  });

  const body = () => {
    const data = encoding.value === "hex" ? headerBytes("raw", payload.value || "") : new TextEncoder().encode(payload.value);
    if (!data.length) throw new Error("The payload is empty.");
    const message = { payload: toBase64(data) };
    const idText = id.value.trim();
    if (idText) message.id = /^\d+$/.test(idText) ? BigInt(idText) : idText;
    const rows = [...headers.querySelectorAll(".header-row")];
    if (rows.length) {
      message.user_headers = rows.map((row) => {
        const name = row.querySelector(".header-key").value;
        const kind = row.querySelector(".header-kind").value;
        if (!name) throw new Error("A header has no key.");
        return {
          key: { kind: "string", value: toBase64(new TextEncoder().encode(name)) },
          value: { kind, value: toBase64(headerBytes(kind, row.querySelector(".header-value-input").value)) },
        };
      });
    }
    return { partitioning: partitioning(), messages: [message] };
  };
  const partitioning = () => {
    if (how.value === "partition_id") {
      const bytes = new Uint8Array(4);
      new DataView(bytes.buffer).setUint32(0, Number(partition.value), true);
      return { kind: "partition_id", value: toBase64(bytes) };
    }
    if (how.value === "messages_key") {
      if (!key.value) throw new Error("The key is empty.");
      return { kind: "messages_key", value: toBase64(new TextEncoder().encode(key.value)) };
    }
    return { kind: "balanced", value: "" };
  };
  return h("section", { class: "panel", "aria-labelledby": "send-title" }, h("h2", { id: "send-title" }, "Send a message"), form);
}
