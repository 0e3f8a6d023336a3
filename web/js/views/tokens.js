// Personal access tokens of the logged-in user: list, create (the token is shown once),
// delete (confirmed).

import { del, get, post } from "../api.js";
import { busy, confirmAction, errorBox, formDialog, h, mount, table, toast } from "../dom.js";
import { time } from "../format.js";

const EXPIRY = [
  ["0", "never"],
  ["3600000000", "1 hour"],
  ["86400000000", "1 day"],
  ["604800000000", "7 days"],
  ["2592000000000", "30 days"],
  ["31536000000000", "1 year"],
];

export async function tokensView(main) {
  const list = h("div", { id: "tokens" });
  const shown = h("div", { id: "new-token" });
  const create = h("button", { class: "primary", type: "button", id: "create-token" }, "Create token");
  const load = async () => {
    try {
      const tokens = await get("/personal-access-tokens");
      mount(
        list,
        table(
          [
            { label: "Name", cell: (t) => t.name },
            { label: "Expires", cell: (t) => (t.expiry_at ? time(t.expiry_at) : "never") },
            { label: "", actions: true, cell: (t) => deleteButton(t) },
          ],
          tokens,
          "You have no personal access tokens.",
        ),
      );
    } catch (e) {
      mount(list, errorBox(e));
    }
  };
  const deleteButton = (t) => {
    const button = h("button", { class: "danger", type: "button", "aria-label": `Delete token ${t.name}`, onclick: async () => {
      if (!(await confirmAction("Delete token", `Delete the token “${t.name}”? Clients using it can no longer log in with it.`))) return;
      await busy(button, async () => {
        await del(`/personal-access-tokens/${encodeURIComponent(t.name)}`);
        toast(`Token “${t.name}” deleted.`);
        await load();
      });
    } }, "Delete");
    return button;
  };
  create.addEventListener("click", async () => {
    const made = await formDialog("Create token", [
      { name: "name", label: "Name", required: true, help: "3 to 30 bytes, unique among your tokens" },
      { name: "expiry", label: "Expires after", type: "select", options: EXPIRY, value: "0" },
    ], async (v) => ({ name: v.name, ...(await post("/personal-access-tokens", { name: v.name, expiry: Number(v.expiry) })) }), "Create");
    if (!made) return;
    mount(shown, h("div", { class: "panel" }, h("p", {}, `Token “${made.name}” — copy it now, it is not shown again:`), h("div", { class: "secret", id: "token-value" }, made.token)));
    await load();
  });
  mount(main, h("h1", {}, "Personal access tokens"), h("p", { class: "muted" }, "Tokens let programs log in as you (LoginWithPersonalAccessToken, or POST /personal-access-tokens/login)."), h("div", { class: "bar" }, create), shown, list);
  await load();
}
