// Events: motion events by time, newest first, per camera; each with the thumbnail of its
// peak frame, its clip played from the pre-capture (the recording segments that cover it),
// and delete for admins. New events appear as their motion_event notifications come.

import { announce, confirmDialog, h, reasonOf, when } from "./dom.js";
import { showFile } from "./links.js";

const PAGE = 50;
const STAMP = /_(\d{4})-(\d\d)-(\d\d)_(\d\d)-(\d\d)-(\d\d)/;

// the UTC start time a recording's default name carries (camera0_2024-03-05_07-08-00.mp4)
function fileStart(name) {
  const m = STAMP.exec(name);
  return m ? Date.UTC(+m[1], m[2] - 1, +m[3], +m[4], +m[5], +m[6]) / 1000 : null;
}

export function mount(container, app) {
  const releases = [];
  const camera = h("select", { id: "event-camera", "aria-label": "Camera" }, h("option", { value: "" }, "All cameras"));
  const player = h("video", { id: "event-player", controls: true, playsInline: true, hidden: true, "aria-label": "Event clip" });
  const playing = h("p.status", { role: "status" });
  const note = h("p.muted", { id: "events-note" });
  const list = h("ul.gallery", { id: "events" });
  let releasePlayer = null;
  let stopped = false;

  container.append(
    h("h1", {}, "Events"),
    h("p", {}, h("label", {}, "Camera ", camera)),
    player, playing, note, list,
  );

  // the clip's files one after the other, the first from the pre-capture (its offset in
  // that file), each next one from its start when the one before ends
  const play = async (e, part = 0) => {
    const file = e.clip.files[part];
    if (!file) return;
    playing.textContent = `Loading the clip of ${e.event_id}…`;
    try {
      if (releasePlayer) releasePlayer();
      releasePlayer = null;
      player.hidden = false;
      player.dataset.event = e.event_id;
      player.dataset.part = String(part);
      const start = typeof file.start === "number" ? file.start : fileStart(file.filename);
      const offset = part === 0 && start !== null ? Math.max(0, e.clip.start - start) : 0;
      player.dataset.offset = offset.toFixed(3);
      player.addEventListener("loadedmetadata", () => { player.currentTime = offset; }, { once: true });
      player.onended = () => {
        if (!stopped && player.dataset.event === e.event_id && player.dataset.part === String(part)) play(e, part + 1);
      };
      releasePlayer = await showFile(player, file.download_url, app.token);
      playing.textContent = `Playing ${e.device} from ${when(e.clip.start_time)}`
        + (e.clip.files.length > 1 ? ` (part ${part + 1} of ${e.clip.files.length})` : "");
      await player.play().catch(() => { /* the controls still work */ });
    } catch (err) {
      playing.textContent = `Cannot play the clip: ${reasonOf(err)}`;
    }
  };

  const item = (e) => {
    const row = h("li", { dataset: { event: e.event_id } });
    const img = h("img", { alt: `${e.device} at ${when(e.start_time)}`, loading: "lazy", width: 160, height: 90 });
    const actions = [];
    if (e.clip.files.length) {
      actions.push(h("button.primary", { type: "button", dataset: { action: "play" }, "aria-label": `Play the clip of ${e.event_id}`, onclick: () => play(e) }, "Play"));
    }
    if (app.can("admin") && e.status === "ended") {  // a running event cannot be deleted
      actions.push(h("button.danger", {
        type: "button", dataset: { action: "delete" }, "aria-label": `Delete ${e.event_id}`,
        onclick: async () => {
          if (!(await confirmDialog(`Delete the event ${e.event_id}? This cannot be undone.`))) return;
          try {
            await app.call("delete_event", { event_id: e.event_id });
            row.remove();
            announce(`${e.event_id} deleted`);
          } catch (err) {
            app.report(err, "Delete");
          }
        },
      }, "Delete"));
    }
    const status = e.status === "active" ? "in progress" : `${e.duration.toFixed(1)} s`;
    row.append(h("figure", {}, img, h("figcaption", {},
      h("span.name", {}, `${e.device} · ${when(e.start_time)}`),
      h("span.meta", {}, `${status} · score ${e.score}${e.cause && e.cause !== "quiet" ? ` · ${e.cause}` : ""}`),
      h("span.actions", {}, ...actions))));
    if (e.thumbnail_url) {
      showFile(img, e.thumbnail_url, app.token).then((release) => {
        if (stopped) release(); else releases.push(release);
      }).catch(() => { img.alt = `${img.alt} (no picture)`; });
    }
    return row;
  };

  const load = async () => {
    const params = { limit: PAGE };
    if (camera.value) params.device = camera.value;
    const r = await app.call("list_events", params);
    list.replaceChildren(...r.events.map(item));
    note.textContent = r.events.length
      ? `${r.total} event(s)${r.total > r.events.length ? `, newest ${r.events.length} shown` : ""}`
      : "No motion events yet.";
  };
  const reload = () => load().catch((err) => { note.textContent = `Cannot list events: ${reasonOf(err)}`; });

  app.call("get_camera_list").then((r) => {
    for (const c of r.cameras) camera.append(h("option", { value: c.device }, `${c.name} (${c.device})`));
  }).catch(() => { /* the filter keeps "All cameras" */ });
  camera.addEventListener("change", reload);
  // a running event changes (its picture comes just after "started"): list again at most
  // every 2 s while motion_event notifications come, and once after the last of them
  let timer = null;
  let again = false;
  const onNote = (e) => {
    if (e.detail.method !== "motion_event") return;
    if (timer) { again = true; return; }
    reload();
    const tick = () => {
      if (again && !stopped) { again = false; reload(); timer = setTimeout(tick, 2000); } else timer = null;
    };
    timer = setTimeout(tick, 2000);
  };
  app.addEventListener("notification", onNote);
  reload();

  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    app.removeEventListener("notification", onNote);
    player.pause();
    if (releasePlayer) releasePlayer();
    for (const r of releases) r();
  };
}
