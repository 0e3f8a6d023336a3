// Numbers with units, times in the browser's zone (UTC on hover), and the API's byte-size
// strings read back into numbers.

import { h } from "./dom.js";

const U64_MAX_APPROX = 1.8e19;

/** Thousands separators in the browser's locale. */
export function count(n) {
  return Number(n ?? 0).toLocaleString();
}

/** Bytes in decimal units: "0 B", "12.3 kB", "1.5 GB". */
export function bytes(n) {
  n = Number(n) || 0;
  const units = ["B", "kB", "MB", "GB", "TB", "PB"];
  let i = 0;
  while (Math.abs(n) >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${i === 0 ? n.toFixed(0) : n.toFixed(n < 10 ? 2 : 1)} ${units[i]}`;
}

/** A rate: "1.2k msg/s", "3.4 MB/s". */
export function perSecond(n, unit) {
  if (unit === "B") return `${bytes(n)}/s`;
  n = Number(n) || 0;
  const [div, suffix] = n >= 1e6 ? [1e6, "M"] : n >= 1e3 ? [1e3, "k"] : [1, ""];
  return `${(n / div).toFixed(div === 1 ? (n < 10 ? 1 : 0) : 1)}${suffix} ${unit}/s`;
}

/** The API's byte sizes ("0 B", "4 KiB", "1.234 KB", or a number) as a number of bytes. */
export function parseBytes(value) {
  if (typeof value === "number") return value;
  const m = /^\s*([\d.]+)\s*([KMGTPE]i?B|B)?\s*$/i.exec(String(value ?? ""));
  if (!m) return 0;
  const unit = (m[2] || "B").toUpperCase();
  const powers = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, PB: 1e15, EB: 1e18 };
  const binary = { KIB: 2 ** 10, MIB: 2 ** 20, GIB: 2 ** 30, TIB: 2 ** 40, PIB: 2 ** 50, EIB: 2 ** 60 };
  return Number(m[1]) * (powers[unit] ?? binary[unit] ?? 1);
}

/** A byte-size string of the API shown in decimal units, the exact figure on hover. */
export function size(value) {
  return h("span", { title: String(value) }, bytes(parseBytes(value)));
}

/** A duration in microseconds: "2 d 4 h", "5 min 3 s", "120 ms". */
export function duration(us) {
  let s = Number(us) / 1e6;
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  const parts = [];
  for (const [unit, len] of [["d", 86400], ["h", 3600], ["min", 60], ["s", 1]]) {
    const n = Math.floor(s / len);
    if (n > 0) parts.push(`${n} ${unit}`);
    s -= n * len;
    if (parts.length === 2) break;
  }
  return parts.join(" ");
}

/** A topic's message expiry (µs): 0 = the server's default, u64::MAX = never. */
export function expiry(us) {
  if (us === 0) return "server default";
  if (Number(us) >= U64_MAX_APPROX) return "never";
  return duration(us);
}

/** A topic's max size (bytes): 0 = the server's default, u64::MAX = unlimited. */
export function maxSize(n) {
  if (n === 0) return "server default";
  if (Number(n) >= U64_MAX_APPROX) return "unlimited";
  return bytes(n);
}

/** A µs timestamp as a <time> in the browser's zone, UTC on hover. */
export function time(us) {
  if (!us) return h("span", { class: "muted" }, "—");
  const date = new Date(Number(us) / 1000);
  return h("time", { datetime: date.toISOString(), title: `UTC ${date.toISOString().replace("T", " ").replace("Z", "")}` }, date.toLocaleString());
}

/** Seconds or µs "since" as an age: "3 min ago". */
export function ago(us) {
  return `${duration(Date.now() * 1000 - Number(us))} ago`;
}

/** "1.5 %" */
export function percent(n) {
  return `${Number(n ?? 0).toFixed(1)} %`;
}

/** A duration typed by a person ("7 days", "12 h 30 min", "500 ms", "90") in µs; bare
 *  numbers are seconds. Throws on anything else. */
export function parseDuration(text) {
  const units = { us: 1, µs: 1, ms: 1e3, s: 1e6, sec: 1e6, second: 1e6, seconds: 1e6, m: 6e7, min: 6e7, mins: 6e7, minute: 6e7, minutes: 6e7, h: 3.6e9, hour: 3.6e9, hours: 3.6e9, d: 8.64e10, day: 8.64e10, days: 8.64e10, w: 6.048e11, week: 6.048e11, weeks: 6.048e11 };
  const parts = String(text).trim().toLowerCase().match(/(\d+(?:\.\d+)?)\s*([a-zµ]*)/g);
  if (!parts || parts.join("").replace(/\s/g, "") !== String(text).toLowerCase().replace(/\s/g, "")) throw new Error(`“${text}” is not a duration (e.g. 7 days, 12 h 30 min)`);
  let total = 0;
  for (const part of parts) {
    const [, n, unit] = /(\d+(?:\.\d+)?)\s*([a-zµ]*)/.exec(part);
    const factor = unit ? units[unit] : 1e6;
    if (!factor) throw new Error(`unknown unit “${unit}” in “${text}”`);
    total += Number(n) * factor;
  }
  return Math.round(total);
}

/** µs as an exact duration to type back: "2 days 4 h 3 min 7 s". */
export function durationText(us) {
  let rest = Number(us);
  const parts = [];
  for (const [unit, len] of [["days", 8.64e10], ["h", 3.6e9], ["min", 6e7], ["s", 1e6], ["ms", 1e3], ["us", 1]]) {
    const n = Math.floor(rest / len);
    if (n > 0) parts.push(`${n} ${unit}`);
    rest -= n * len;
  }
  return parts.join(" ") || "0 s";
}

/** The topic expiry typed in a form: "server default" = 0, "never" = u64::MAX. */
export function parseExpiry(text) {
  const t = String(text).trim().toLowerCase();
  if (t === "" || t === "server default" || t === "default") return 0;
  if (t === "never") return 18446744073709551615n;
  return parseDuration(t);
}

/** A topic's expiry as typed in a form. */
export function expiryText(us) {
  if (us === 0) return "server default";
  if (Number(us) >= U64_MAX_APPROX) return "never";
  return durationText(us);
}

/** The topic max size typed in a form: "server default" = 0, "unlimited" = u64::MAX. */
export function parseMaxSize(text) {
  const t = String(text).trim().toLowerCase();
  if (t === "" || t === "server default" || t === "default") return 0;
  if (t === "unlimited") return 18446744073709551615n;
  if (!/^\s*[\d.]+\s*([kmgtpe]i?b|b)?\s*$/i.test(t)) throw new Error(`“${text}” is not a size (e.g. 10 GB, 512 MiB)`);
  return Math.round(parseBytes(t));
}

/** A topic's max size as typed in a form (exact). */
export function maxSizeText(n) {
  if (n === 0) return "server default";
  if (Number(n) >= U64_MAX_APPROX) return "unlimited";
  return parseBytes(bytes(n)) === n ? bytes(n) : `${n} B`;
}
