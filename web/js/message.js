// Messages as the screens show them, whichever way they arrived (HTTP JSON or binary
// frames over the WebSocket): offset, id, timestamps, typed user headers, and the payload
// as text, pretty JSON or a hex dump. Also the typed header values a person enters.

import { h } from "./dom.js";
import { bytes, count, time } from "./format.js";

/** Header kinds by wire code (binary-protocol §3.10). */
export const KINDS = ["raw", "string", "bool", "int8", "int16", "int32", "int64", "int128", "uint8", "uint16", "uint32", "uint64", "uint128", "float32", "float64"];
const WIDTH = { bool: 1, int8: 1, int16: 2, int32: 4, int64: 8, int128: 16, uint8: 1, uint16: 2, uint32: 4, uint64: 8, uint128: 16, float32: 4, float64: 8 };

export function fromBase64(text) {
  const raw = atob(text || "");
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

export function toBase64(data) {
  let raw = "";
  for (let i = 0; i < data.length; i += 0x8000) raw += String.fromCharCode(...data.subarray(i, i + 0x8000));
  return btoa(raw);
}

const utf8 = new TextDecoder("utf-8", { fatal: false });
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** A little-endian integer of `data` as a BigInt. */
function littleEndian(data, signed) {
  let n = 0n;
  for (let i = data.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(data[i]);
  if (signed && data.length && data[data.length - 1] & 0x80) n -= 1n << BigInt(8 * data.length);
  return n;
}

/** A header value's bytes shown by its kind. */
export function headerText(kind, data) {
  if (kind === "string") return utf8.decode(data);
  if (kind === "raw" || WIDTH[kind] === undefined || data.length !== WIDTH[kind]) return hexString(data);
  if (kind === "bool") return data[0] ? "true" : "false";
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (kind === "float32") return String(view.getFloat32(0, true));
  if (kind === "float64") return String(view.getFloat64(0, true));
  return littleEndian(data, kind.startsWith("int")).toString();
}

/** The bytes of a header value typed as `kind` ("raw" takes hex). Throws when invalid. */
export function headerBytes(kind, text) {
  if (kind === "string") return new TextEncoder().encode(text);
  if (kind === "raw") {
    const hex = text.replace(/\s+/g, "");
    if (!/^([0-9a-f]{2})+$/i.test(hex)) throw new Error(`raw header value “${text}” is not hex bytes`);
    return Uint8Array.from(hex.match(/../g), (b) => parseInt(b, 16));
  }
  if (kind === "bool") {
    if (!["true", "false"].includes(text)) throw new Error(`bool header value must be true or false`);
    return Uint8Array.of(text === "true" ? 1 : 0);
  }
  const width = WIDTH[kind];
  const out = new Uint8Array(width);
  const view = new DataView(out.buffer);
  if (kind === "float32" || kind === "float64") {
    const n = Number(text);
    if (text.trim() === "" || Number.isNaN(n)) throw new Error(`“${text}” is not a number`);
    if (kind === "float32") view.setFloat32(0, n, true);
    else view.setFloat64(0, n, true);
    return out;
  }
  let n;
  try {
    n = BigInt(text.trim());
  } catch {
    throw new Error(`“${text}” is not an integer`);
  }
  const bits = BigInt(width * 8);
  const [min, max] = kind.startsWith("u") ? [0n, (1n << bits) - 1n] : [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n];
  if (n < min || n > max) throw new Error(`${text} does not fit ${kind}`);
  if (n < 0n) n += 1n << bits;
  for (let i = 0; i < width; i++) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

export function hexString(data) {
  return Array.from(data, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A hex dump: offset, 16 bytes in hex, the printable characters. */
export function hexDump(data) {
  const lines = [];
  for (let i = 0; i < data.length; i += 16) {
    const row = data.subarray(i, i + 16);
    const hex = Array.from(row, (b) => b.toString(16).padStart(2, "0")).join(" ");
    const chars = Array.from(row, (b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : ".")).join("");
    lines.push(`${i.toString(16).padStart(8, "0")}  ${hex.padEnd(47)}  |${chars}|`);
  }
  return lines.join("\n");
}

/** The payload shown as `format` ("text", "json", "hex"). */
export function payloadText(data, format) {
  if (format === "hex") return hexDump(data);
  if (format === "json") {
    try {
      return JSON.stringify(JSON.parse(strictUtf8.decode(data)), null, 2);
    } catch (e) {
      return `(not JSON: ${e.message})\n${utf8.decode(data)}`;
    }
  }
  return utf8.decode(data);
}

/** A message of the HTTP API's PolledMessages JSON in the screens' shape. */
export function fromJson(m) {
  let headers = [];
  if (typeof m.user_headers === "string") headers = fromBase64(m.user_headers);
  else if (Array.isArray(m.user_headers)) {
    headers = m.user_headers.map((e) => ({ key: { kind: e.key.kind, data: fromBase64(e.key.value) }, value: { kind: e.value.kind, data: fromBase64(e.value.value) } }));
  }
  return {
    offset: m.header.offset,
    id: String(m.header.id),
    timestamp: m.header.timestamp,
    originTimestamp: m.header.origin_timestamp,
    headers,
    payload: fromBase64(m.payload),
  };
}

/** One message as a card. */
export function messageCard(m, format) {
  const headers = m.headers instanceof Uint8Array
    ? h("div", { class: "headers" }, "Headers (not key/value pairs): ", h("code", {}, hexString(m.headers)))
    : m.headers.length
      ? h("div", { class: "headers" }, m.headers.map((e) => h("div", {}, h("code", {}, headerText(e.key.kind, e.key.data)), ` (${e.value.kind}) = `, h("code", { class: "header-value" }, headerText(e.value.kind, e.value.data)))))
      : null;
  return h(
    "article",
    { class: "message", "data-offset": String(m.offset) },
    h(
      "div",
      { class: "meta" },
      m.partition === undefined ? null : h("span", {}, "partition ", h("b", {}, m.partition)),
      h("span", {}, "offset ", h("b", { class: "offset" }, count(m.offset))),
      h("span", {}, "id ", h("b", { class: "id" }, m.id)),
      h("span", {}, time(m.timestamp)),
      h("span", { title: "origin timestamp (set by the producer)" }, "origin ", time(m.originTimestamp)),
      h("span", {}, bytes(m.payload.length)),
    ),
    headers,
    h("pre", { class: "payload", "data-format": format }, payloadText(m.payload, format)),
  );
}
