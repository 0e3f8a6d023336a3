// Building the page: elements, tables, dialogs and notices. Everything is made with DOM
// calls (no HTML strings), so names and payloads from the server are always text.

/** `h("button", {class: "primary", onclick: f}, "Save")`: an element. Attributes named
 *  `on…` become listeners, `text` sets the text, `false`/`null` values are left out;
 *  children may be strings, nodes, arrays or nothing. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "text") {
      el.textContent = value;
    } else if (key === "value") {
      el.value = value;
    } else if (key === "checked") {
      el.checked = Boolean(value);
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the content of `el`. */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A table: `columns` = [{label, cell(row) → node or text, num}], one row per item. */
export function table(columns, rows, empty = "Nothing here yet.") {
  if (!rows.length) return h("p", { class: "muted" }, empty);
  const head = h("tr", {}, columns.map((c) => h("th", { class: c.num ? "num" : null, scope: "col" }, c.label)));
  const body = rows.map((row) =>
    h("tr", {}, columns.map((c) => h("td", { class: c.num ? "num" : c.actions ? "actions" : null }, c.cell(row)))),
  );
  return h("div", { class: "table-wrap" }, h("table", {}, h("thead", {}, head), h("tbody", {}, body)));
}

/** A labelled figure for the overview grids. */
export function figure(label, value, title) {
  return h("div", { class: "figure", title }, h("div", { class: "label" }, label), h("div", { class: "value" }, value));
}

/** A definition list of [label, value] pairs. */
export function facts(pairs) {
  return h("dl", { class: "facts" }, pairs.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

/** An error box with the API's message. */
export function errorBox(error) {
  return h("div", { class: "error", role: "alert" }, error?.message || String(error));
}

/** A short notice in the corner. */
export function toast(text, bad = false) {
  const box = document.getElementById("toasts");
  const el = h("div", { class: bad ? "toast bad" : "toast" }, text);
  box.append(el);
  setTimeout(() => el.remove(), bad ? 8000 : 4000);
}

function modal(title, body, buttons) {
  const dialog = h("dialog", { "aria-labelledby": "dialog-title" }, h("h2", { id: "dialog-title" }, title), body, h("div", { class: "buttons" }, buttons));
  document.body.append(dialog);
  dialog.addEventListener("close", () => dialog.remove());
  dialog.showModal();
  return dialog;
}

/** Asks before something that cannot be undone; resolves true when confirmed. */
export function confirmAction(title, text, label = "Delete") {
  return new Promise((resolve) => {
    let answer = false;
    const yes = h("button", { class: "danger", type: "button", onclick: () => { answer = true; dialog.close(); } }, label);
    const no = h("button", { type: "button", onclick: () => dialog.close() }, "Cancel");
    const dialog = modal(title, h("p", {}, text), [no, yes]);
    dialog.addEventListener("close", () => resolve(answer));
    no.focus();
  });
}

/** A form in a dialog. `fields`: [{name, label, type, value, options, help, required,
 *  min, max}]. `submit(values)` runs on Save; an error it throws is shown in the dialog,
 *  which stays open. Resolves with what `submit` answered, or null when cancelled. */
export function formDialog(title, fields, submit, label = "Save") {
  return new Promise((resolve) => {
    let result = null;
    const error = h("div");
    const inputs = fields.map(field);
    const save = h("button", { class: "primary", type: "submit" }, label);
    const cancel = h("button", { type: "button", onclick: () => dialog.close() }, "Cancel");
    const form = h("form", { class: "form", novalidate: true }, inputs.map((i) => i.label), error, h("div", { class: "buttons" }, cancel, save));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      save.disabled = true;
      mount(error);
      try {
        result = await submit(Object.fromEntries(inputs.map((i) => [i.name, i.read()])));
        dialog.close();
      } catch (e) {
        mount(error, errorBox(e));
      } finally {
        save.disabled = false;
      }
    });
    const dialog = modal(title, form, []);
    dialog.querySelector(".buttons:empty")?.remove();
    dialog.addEventListener("close", () => resolve(result));
    inputs[0]?.input.focus();
  });
}

/** One labelled input of a form: {label, input, name, read()}. */
export function field(f) {
  const id = `f-${f.name}`;
  let input;
  if (f.type === "select") {
    input = h("select", { id, name: f.name }, f.options.map(([value, text]) => h("option", { value }, text)));
    if (f.value !== undefined) input.value = f.value;
  } else if (f.type === "checkbox") {
    input = h("input", { id, name: f.name, type: "checkbox", checked: f.value });
  } else if (f.type === "textarea") {
    input = h("textarea", { id, name: f.name, value: f.value ?? "" });
  } else {
    input = h("input", { id, name: f.name, type: f.type || "text", value: f.value ?? "", required: f.required, min: f.min, max: f.max, autocomplete: f.autocomplete || "off" });
  }
  const check = f.type === "checkbox";
  const help = f.help ? h("span", { class: "help" }, f.help) : null;
  const label = check
    ? h("label", { class: "check", for: id }, input, f.label, help)
    : h("label", { for: id }, f.label, input, help);
  return { name: f.name, input, label, read: () => (check ? input.checked : input.value) };
}

/** Runs `action` for a button, disabling it meanwhile; errors become a notice. */
export async function busy(button, action) {
  button.disabled = true;
  try {
    return await action();
  } catch (e) {
    toast(e.message || String(e), true);
    return undefined;
  } finally {
    button.disabled = false;
  }
}
