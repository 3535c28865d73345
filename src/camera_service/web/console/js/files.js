// Files: snapshots as a gallery, recordings as a list with in-page playback; download for
// everyone, delete (with a confirmation) for admins.

import { announce, bytes, confirmDialog, h, reasonOf, seconds, when } from "./dom.js";
import { download, showFile } from "./links.js";

const PAGE = 50;

export function mount(container, app) {
  const releases = [];
  const player = h("video", { id: "player", controls: true, playsInline: true, hidden: true, "aria-label": "Recording playback" });
  const playing = h("p.status", { role: "status" });
  const recList = h("ul.files", { id: "recordings" });
  const gallery = h("ul.gallery", { id: "snapshots" });
  const recNote = h("p.muted");
  const shotNote = h("p.muted");
  let releasePlayer = null;
  let stopped = false;

  container.append(
    h("h1", {}, "Files"),
    h("section", { "aria-labelledby": "rec-h" }, h("h2", { id: "rec-h" }, "Recordings"), player, playing, recNote, recList),
    h("section", { "aria-labelledby": "shot-h" }, h("h2", { id: "shot-h" }, "Snapshots"), shotNote, gallery),
  );

  // a link fresh from the service (signed links are short-lived; the page may be old):
  // download_url shows the file, save_url (its twin) has the browser save it
  const fresh = async (kind, f, field = "download_url") => {
    try {
      const info = await app.call(kind === "recordings" ? "get_recording_info" : "get_snapshot_info", { filename: f.filename });
      return info[field] || info.download_url || f[field] || f.download_url;
    } catch {
      return f[field] || f.download_url;
    }
  };

  const buttons = (kind, f, row) => {
    const out = [h("button", {
      type: "button", "aria-label": `Download ${f.filename}`, dataset: { action: "download" },
      onclick: async () => {
        try {
          await download(await fresh(kind, f, "save_url"), app.token, f.filename);
        } catch (err) {
          app.report(err, "Download");
        }
      },
    }, "Download")];
    if (app.can("admin")) {
      out.push(h("button.danger", {
        type: "button", "aria-label": `Delete ${f.filename}`, dataset: { action: "delete" },
        onclick: async () => {
          if (!(await confirmDialog(`Delete ${f.filename}? This cannot be undone.`))) return;
          try {
            await app.call(kind === "recordings" ? "delete_recording" : "delete_snapshot", { filename: f.filename });
            row.remove();
            announce(`${f.filename} deleted`);
          } catch (err) {
            app.report(err, "Delete");
          }
        },
      }, "Delete"));
    }
    return out;
  };

  const play = async (f) => {
    playing.textContent = `Loading ${f.filename}…`;
    try {
      if (releasePlayer) releasePlayer();
      releasePlayer = null;
      player.hidden = false;
      releasePlayer = await showFile(player, await fresh("recordings", f), app.token);
      player.dataset.filename = f.filename;
      playing.textContent = `Playing ${f.filename}`;
      await player.play().catch(() => { /* the controls still work */ });
      player.focus();
    } catch (err) {
      playing.textContent = `Cannot play ${f.filename}: ${reasonOf(err)}`;
    }
  };

  const loadRecordings = async () => {
    const r = await app.call("list_recordings", { limit: PAGE });
    recList.replaceChildren();
    recNote.textContent = r.files.length ? `${r.total} recording(s)${r.total > r.files.length ? `, newest ${r.files.length} shown` : ""}` : "No recordings yet.";
    for (const f of r.files) {
      const row = h("li", { dataset: { filename: f.filename } });
      const playable = /\.(mp4|m4v|fmp4)$/i.test(f.filename);
      row.append(
        h("span.name", {}, f.filename),
        h("span.meta", {}, `${bytes(f.file_size)} · ${when(f.modified_time)}${f.duration !== undefined ? ` · ${seconds(f.duration)}` : ""}`),
        h("span.actions", {},
          playable ? h("button.primary", { type: "button", "aria-label": `Play ${f.filename}`, dataset: { action: "play" }, onclick: () => play(f) }, "Play") : null,
          ...buttons("recordings", f, row)),
      );
      recList.append(row);
    }
  };

  const loadSnapshots = async () => {
    const r = await app.call("list_snapshots", { limit: PAGE });
    shotNote.textContent = r.files.length ? `${r.total} snapshot(s)${r.total > r.files.length ? `, newest ${r.files.length} shown` : ""}` : "No snapshots yet.";
    gallery.replaceChildren();
    for (const f of r.files) {
      const img = h("img", { alt: f.filename, loading: "lazy", width: 320, height: 180 });
      const row = h("li", { dataset: { filename: f.filename } });
      row.append(h("figure", {}, img,
        h("figcaption", {}, h("span.name", {}, f.filename), h("span.meta", {}, `${bytes(f.file_size)} · ${when(f.modified_time)}`),
          h("span.actions", {}, ...buttons("snapshots", f, row)))));
      gallery.append(row);
      showFile(img, f.download_url, app.token).then((release) => {
        if (stopped) release(); else releases.push(release);
      }).catch(() => { img.alt = `${f.filename} (cannot load)`; });
    }
  };

  const reload = () => {
    loadRecordings().catch((err) => { recNote.textContent = `Cannot list recordings: ${reasonOf(err)}`; });
    loadSnapshots().catch((err) => { shotNote.textContent = `Cannot list snapshots: ${reasonOf(err)}`; });
  };
  const onNote = (e) => {
    const { method, params } = e.detail;
    if (method === "recording_status_update" && params && params.status !== "STARTED") {
      loadRecordings().catch(() => {});
    }
    if (method === "snapshot_taken") loadSnapshots().catch(() => {});
  };
  app.addEventListener("notification", onNote);
  reload();

  return () => {
    stopped = true;
    app.removeEventListener("notification", onNote);
    player.pause();
    if (releasePlayer) releasePlayer();
    for (const r of releases) r();
  };
}
