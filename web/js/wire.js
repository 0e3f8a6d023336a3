// The binary protocol (binary-protocol.md) over the WebSocket transport, for the live
// tail: request frames `u32 length | u32 code | payload` sent as binary messages, answers
// `u32 status | u32 length | payload` read from the byte stream of binary messages.

import { KINDS } from "./message.js";

export const PING = 1;
export const LOGIN_WITH_TOKEN = 44;
export const POLL_MESSAGES = 100;
export const DELETE_CONSUMER_OFFSET = 122;

export class WireError extends Error {
  constructor(status, what) {
    super(`${what} failed with error ${status}`);
    this.status = status;
  }
}

/** Bytes of a request payload, written in order. */
export class Writer {
  constructor() {
    this.parts = [];
  }
  u8(n) {
    this.parts.push(Uint8Array.of(n));
    return this;
  }
  u32(n) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n, true);
    this.parts.push(b);
    return this;
  }
  u64(n) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
    this.parts.push(b);
    return this;
  }
  bytes(b) {
    this.parts.push(b);
    return this;
  }
  /** name8: u8 length + UTF-8. */
  name(text) {
    const b = new TextEncoder().encode(text);
    if (b.length < 1 || b.length > 255) throw new Error(`“${text}” must be 1 to 255 bytes`);
    return this.u8(b.length).bytes(b);
  }
  /** Identifier (§3.2): numeric ids as kind 1, names as kind 2. */
  identifier(value) {
    if (typeof value === "number") return this.u8(1).u8(4).u32(value);
    const b = new TextEncoder().encode(value);
    return this.u8(2).u8(b.length).bytes(b);
  }
  /** Consumer (§3.3): kind 1 = individual consumer. */
  consumer(value) {
    return this.u8(1).identifier(value);
  }
  /** Optional partition id (§3.6), present. */
  partition(id) {
    return this.u8(1).u32(id);
  }
  /** Polling strategy (§3.5). */
  strategy(kind, value = 0) {
    const code = { offset: 1, timestamp: 2, first: 3, last: 4, next: 5 }[kind];
    return this.u8(code).u64(value);
  }
  done() {
    const size = this.parts.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** One WebSocket connection speaking the binary protocol, one request at a time. */
export class WireClient {
  constructor(url) {
    this.url = url;
    this.buffer = new Uint8Array(0);
    this.waiting = [];
    this.closed = false;
  }

  /** Opens the socket; rejects when it cannot. */
  connect() {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(this.url);
      socket.binaryType = "arraybuffer";
      this.socket = socket;
      socket.addEventListener("open", () => resolve());
      socket.addEventListener("message", (event) => {
        if (event.data instanceof ArrayBuffer) this.receive(new Uint8Array(event.data));
      });
      socket.addEventListener("close", () => {
        this.closed = true;
        reject(new Error(`cannot connect to ${this.url}`));
        for (const w of this.waiting.splice(0)) w.reject(new Error("the WebSocket connection closed"));
      });
    });
  }

  receive(data) {
    const joined = new Uint8Array(this.buffer.length + data.length);
    joined.set(this.buffer);
    joined.set(data, this.buffer.length);
    this.buffer = joined;
    while (this.buffer.length >= 8) {
      const view = new DataView(this.buffer.buffer, this.buffer.byteOffset);
      const status = view.getUint32(0, true);
      const length = view.getUint32(4, true);
      if (this.buffer.length < 8 + length) break;
      const payload = this.buffer.slice(8, 8 + length);
      this.buffer = this.buffer.slice(8 + length);
      const waiter = this.waiting.shift();
      if (!waiter) continue;
      if (status === 0) waiter.resolve(payload);
      else waiter.reject(new WireError(status, waiter.what));
    }
  }

  /** Sends command `code` with `payload`; answers the response payload. */
  request(code, payload, what = `command ${code}`) {
    if (this.closed) return Promise.reject(new Error("the WebSocket connection is closed"));
    const frame = new Writer().u32(4 + payload.length).u32(code).bytes(payload).done();
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject, what });
      this.socket.send(frame);
    });
  }

  close() {
    this.closed = true;
    this.socket?.close();
  }
}

/** A PollMessages answer (§6.6): {partitionId, currentOffset, messages}. */
export function parsePolled(data) {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.length < 16) throw new Error("short PollMessages answer");
  const out = { partitionId: view.getUint32(0, true), currentOffset: Number(view.getBigUint64(4, true)), messages: [] };
  let at = 16;
  while (at + 64 <= data.length) {
    const headersLength = view.getUint32(at + 48, true);
    const payloadLength = view.getUint32(at + 52, true);
    const end = at + 64 + payloadLength + headersLength;
    if (end > data.length) break;
    const id = (view.getBigUint64(at + 16, true) << 64n) | view.getBigUint64(at + 8, true);
    out.messages.push({
      partition: out.partitionId,
      offset: Number(view.getBigUint64(at + 24, true)),
      id: id.toString(),
      timestamp: Number(view.getBigUint64(at + 32, true)),
      originTimestamp: Number(view.getBigUint64(at + 40, true)),
      payload: data.slice(at + 64, at + 64 + payloadLength),
      headers: parseHeaders(data.slice(at + 64 + payloadLength, end)),
    });
    at = end;
  }
  return out;
}

/** A user-header block (§3.10) as key/value pairs, or its bytes when it is not one. */
function parseHeaders(block) {
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
  const pairs = [];
  let at = 0;
  const part = () => {
    if (at + 5 > block.length) return null;
    const kind = KINDS[view.getUint8(at) - 1];
    const length = view.getUint32(at + 1, true);
    if (!kind || at + 5 + length > block.length) return null;
    const data = block.slice(at + 5, at + 5 + length);
    at += 5 + length;
    return { kind, data };
  };
  while (at < block.length) {
    const key = part();
    const value = key && part();
    if (!value) return block;
    pairs.push({ key, value });
  }
  return pairs;
}
