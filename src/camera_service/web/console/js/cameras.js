// The grid: one tile per camera, kept current by camera_status_update notifications. A
// recording already running when the grid opens (get_camera_status.recording) shows REC.

import { announce, fps, h, reasonOf } from "./dom.js";
import { LiveView, REFRESH_S } from "./live.js";

const AUTO_KEY = "camera-console-auto-snapshots";

function tile(app, camera, auto) {
  const live = new LiveView(app, camera, { autoRefresh: auto });
  const state = h("span.state");
  const res = h("dd");
  const rate = h("dd");
  const title = h("a", { href: `#/camera/${encodeURIComponent(camera.device)}` });
  const rec = h("span.rec", { hidden: true }, "REC");
  const motion = h("span.motion", { hidden: true, title: "Motion event in progress" }, "MOTION");
  const el = h("article.tile", { dataset: { device: camera.device } },
    h("header", {}, h("h2", {}, title), rec, motion, state),
    live.el,
    h("dl", {}, h("dt", {}, "Resolution"), res, h("dt", {}, "Frame rate"), rate));
  const actions = h("div.actions");
  if (app.can("operator")) {
    const button = h("button", {
      type: "button",
      "aria-label": `Take a snapshot of ${camera.name || camera.device}`,
      onclick: async () => {
        button.disabled = true;
        try {
          const shot = await app.call("take_snapshot", { device: t.camera.device });
          if (live.mode === "snapshot") await live.showSnapshot(shot);
          announce(`Snapshot ${shot.filename} taken`);
        } catch (err) {
          app.report(err, "Snapshot");
        } finally {
          button.disabled = t.camera.status !== "CONNECTED";
        }
      },
    }, "Snapshot");
    actions.append(button);
  }
  el.append(actions);
  const t = {
    el, live, camera,
    render(cam) {
      t.camera = cam;
      title.textContent = cam.name || cam.device;
      state.textContent = cam.status;
      state.dataset.status = cam.status;
      el.dataset.status = cam.status;
      for (const b of actions.querySelectorAll("button")) b.disabled = cam.status !== "CONNECTED";
      res.textContent = cam.resolution || "—";
      rate.textContent = fps(cam.fps);
    },
  };
  t.render(camera);
  return t;
}

export function mount(container, app) {
  const tiles = new Map();
  const grid = h("div.grid", { "aria-live": "off" });
  const note = h("p.muted");
  let auto = localStorage.getItem(AUTO_KEY) !== "off";
  const controls = h("div.controls");
  if (app.can("operator")) {
    const box = h("input", {
      type: "checkbox", id: "auto-snapshots", checked: auto,
      onchange: () => {
        auto = box.checked;
        localStorage.setItem(AUTO_KEY, auto ? "on" : "off");
        for (const t of tiles.values()) t.live.setAutoRefresh(auto);
      },
    });
    controls.append(box, h("label", { for: "auto-snapshots" },
      `Without a live stream, take a snapshot every ${REFRESH_S} s (each is saved as a file)`));
  }
  container.append(h("h1", {}, "Cameras"), controls, note, grid);

  const upsert = (cam) => {
    let t = tiles.get(cam.device);
    if (!t) {
      t = tile(app, cam, auto);
      tiles.set(cam.device, t);
      grid.append(t.el);
      t.live.start();
      if (tiles.size === 1) requestAnimationFrame(() => performance.mark("first-tile"));
    } else {
      const before = t.camera.status;
      const merged = { ...t.camera, ...cam };
      t.render(merged);
      t.live.update(merged);
      if (before !== merged.status) announce(`${merged.name || merged.device} ${merged.status}`);
    }
    note.textContent = "";
  };

  const onNote = (e) => {
    const { method, params } = e.detail;
    if (!params || !params.device) return;
    if (method === "camera_status_update") upsert(params);
    const t = tiles.get(params.device);
    if (!t) return;
    if (method === "snapshot_taken") t.live.onSnapshotTaken(params);
    if (method === "recording_status_update") {
      t.el.querySelector(".rec").hidden = !["STARTED", "RECORDING"].includes(params.status);
    }
    if (method === "motion_event") t.el.querySelector(".motion").hidden = params.status === "ended";
  };
  app.addEventListener("notification", onNote);
  const onMediamtx = () => { for (const t of tiles.values()) t.live.start(); };
  app.addEventListener("mediamtx", onMediamtx);

  app.call("get_camera_list", {}).then((list) => {
    const cams = list.cameras || [];
    if (!cams.length) note.textContent = "No cameras yet. Plug one in or add a network camera to the configuration; it appears here at once.";
    for (const cam of cams) upsert(cam);
    for (const cam of cams.filter((c) => c.status === "CONNECTED")) {
      app.call("get_camera_status", { device: cam.device }).then((s) => {
        const t = tiles.get(cam.device);
        if (t && s.recording) t.el.querySelector(".rec").hidden = false;
      }).catch(() => { /* the tile still shows the camera */ });
      app.call("get_motion_config", { device: cam.device }).then((m) => {
        const t = tiles.get(cam.device);
        if (t && m.active_event) t.el.querySelector(".motion").hidden = false;
      }).catch(() => { /* no motion detection here */ });
    }
  }).catch((err) => { note.textContent = `Cannot list the cameras: ${reasonOf(err)}`; });

  return () => {
    app.removeEventListener("notification", onNote);
    app.removeEventListener("mediamtx", onMediamtx);
    for (const t of tiles.values()) t.live.stop();
  };
}
