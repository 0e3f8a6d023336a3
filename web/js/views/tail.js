// The live tail: this browser becomes a client of the WebSocket transport. It logs in with
// a personal access token made for it through the HTTP API (valid for one minute, deleted
// once used, so the password never stays in the page), then polls every partition with
// strategy `next` and auto-commit as a consumer of its own, showing messages as they
// arrive. Its stored offsets are deleted when the tail stops.

import { del, post } from "../api.js";
import { errorBox, h, mount } from "../dom.js";
import { count } from "../format.js";
import { messageCard } from "../message.js";
import { DELETE_CONSUMER_OFFSET, LOGIN_WITH_TOKEN, parsePolled, POLL_MESSAGES, WireClient, Writer } from "../wire.js";

const IDLE_MS = 100;
const BATCH = 100;
const KEPT = 200;

/** The WebSocket endpoint the server announced in index.html ("" when disabled). */
export function websocketUrl() {
  return document.querySelector('meta[name="iggy-websocket"]')?.content || "";
}

function randomName(prefix) {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return `${prefix}-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export function tailTab(box, { stream, topic }) {
  const url = websocketUrl();
  if (!url) {
    mount(box, h("div", { class: "note", id: "tail-disabled" }, "The WebSocket transport is disabled on this server (websocket.enabled = false), and the live tail speaks the binary protocol over it. Enable it to tail topics here."));
    return undefined;
  }
  const format = h("select", { id: "tail-format" }, [["text", "Text"], ["json", "JSON"], ["hex", "Hex"]].map(([v, t]) => h("option", { value: v }, t)));
  const toggle = h("button", { class: "primary", type: "button", id: "tail-toggle" }, "Start");
  const status = h("p", { id: "tail-status", role: "status", class: "muted" }, `Not running. It will connect to ${url}.`);
  const list = h("div", { class: "messages", id: "tail-messages" });
  const received = [];
  let tail = null;
  const draw = () => mount(list, received.map((m) => messageCard(m, format.value)));
  format.addEventListener("change", draw);
  const show = (messages) => {
    for (const m of messages) received.unshift(m);
    received.length = Math.min(received.length, KEPT);
    draw();
  };
  const stop = () => {
    tail?.stop();
    tail = null;
    toggle.textContent = "Start";
  };
  toggle.addEventListener("click", async () => {
    if (tail) {
      stop();
      mount(status, "Stopped.");
      return;
    }
    toggle.textContent = "Stop";
    tail = new Tail(url, stream, topic, show, (text, error) => mount(status, error ? errorBox(error) : text));
    await tail.start();
  });
  const leave = () => tail?.stop();
  window.addEventListener("pagehide", leave);
  mount(
    box,
    h("div", { class: "bar" }, toggle, h("label", { for: "tail-format" }, "Show as ", format), h("span", { class: "spacer" }), h("span", { class: "muted" }, `Over ${url}`)),
    status,
    list,
  );
  toggle.click();
  return () => {
    window.removeEventListener("pagehide", leave);
    stop();
  };
}

class Tail {
  constructor(url, stream, topic, show, report) {
    Object.assign(this, { url, stream, topic, show, report });
    this.running = true;
    this.consumer = randomName("iggy-ui-tail");
    this.partitions = topic.partitions.map((p) => p.id);
    this.received = 0;
  }

  async start() {
    try {
      this.report(`Connecting to ${this.url}…`);
      this.client = new WireClient(this.url);
      await this.client.connect();
      await this.login();
      await this.skipToEnd();
      this.report(`Tailing ${this.partitions.length} partitions over ${this.url} as consumer “${this.consumer}”: messages appear as they arrive.`);
      await this.loop();
    } catch (e) {
      if (this.running) this.report("", e);
      this.stop();
    }
  }

  /** A one-minute personal access token, used for one login and deleted at once. */
  async login() {
    const name = randomName("ui-tail");
    const { token } = await post("/personal-access-tokens", { name, expiry: 60_000_000 });
    try {
      await this.client.request(LOGIN_WITH_TOKEN, new Writer().name(token).done(), "LoginWithPersonalAccessToken");
    } finally {
      await del(`/personal-access-tokens/${encodeURIComponent(name)}`).catch(() => undefined);
    }
  }

  poll(partition, strategy, n) {
    const payload = new Writer().consumer(this.consumer).identifier(this.stream.id).identifier(this.topic.id).partition(partition).strategy(strategy).u32(n).u8(1).done();
    return this.client.request(POLL_MESSAGES, payload, "PollMessages").then(parsePolled);
  }

  /** Stores each partition's last offset, so `next` starts with what arrives from now on. */
  async skipToEnd() {
    for (const p of this.partitions) await this.poll(p, "last", 1);
  }

  async loop() {
    while (this.running) {
      let got = 0;
      for (const p of this.partitions) {
        if (!this.running) return;
        const polled = await this.poll(p, "next", BATCH);
        got += polled.messages.length;
        if (polled.messages.length) this.show(polled.messages);
      }
      this.received += got;
      if (got) this.report(`Tailing ${this.partitions.length} partitions over ${this.url}: ${count(this.received)} ${this.received === 1 ? "message" : "messages"} received.`);
      else await new Promise((r) => setTimeout(r, IDLE_MS));
    }
  }

  /** Deletes this tail's stored offsets and closes the connection. */
  stop() {
    if (!this.running) return;
    this.running = false;
    const client = this.client;
    if (!client || client.closed) return;
    const deletions = this.partitions.map((p) => {
      const payload = new Writer().consumer(this.consumer).identifier(this.stream.id).identifier(this.topic.id).partition(p).done();
      return client.request(DELETE_CONSUMER_OFFSET, payload, "DeleteConsumerOffset").catch(() => undefined);
    });
    Promise.all(deletions).finally(() => client.close());
  }
}
