// Clients connected over the binary transports (TCP, QUIC, WebSocket), with their user,
// transport and address; refreshed every five seconds. HTTP callers are not clients.

import { get } from "../api.js";
import { errorBox, h, mount, table } from "../dom.js";
import { count } from "../format.js";

export async function clientsView(main) {
  const list = h("div", { id: "clients" });
  mount(main, h("h1", {}, "Clients"), h("p", { class: "muted" }, "Connections of the binary transports. HTTP callers, this dashboard included, hold no connection."), list);
  let names = new Map();
  try {
    names = new Map((await get("/users")).map((u) => [u.id, u.username]));
  } catch {
    // without the right to read users, ids are shown
  }
  const load = async () => {
    try {
      const clients = await get("/clients");
      mount(
        list,
        table(
          [
            { label: "Client", cell: (c) => c.client_id, num: true },
            { label: "User", cell: (c) => (c.user_id === null ? h("span", { class: "muted" }, "not logged in") : names.get(c.user_id) ?? `ID ${c.user_id}`) },
            { label: "Transport", cell: (c) => c.transport },
            { label: "Address", cell: (c) => c.address },
            { label: "Consumer groups", cell: (c) => count(c.consumer_groups_count), num: true },
          ],
          clients,
          "No clients are connected.",
        ),
      );
    } catch (e) {
      mount(list, errorBox(e));
    }
  };
  await load();
  const every = setInterval(load, 5000);
  return () => clearInterval(every);
}
