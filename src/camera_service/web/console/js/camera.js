// One camera full size: picture, snapshot, recording (with a running timer, optionally
// timed), capabilities, stream URLs with copy buttons. A recording already running when the
// page opens (get_camera_status.recording) is shown as running, with its timer and Stop.

import { announce, copyText, fps, h, reasonOf, seconds } from "./dom.js";
import { upper } from "./health.js";
import { LiveView } from "./live.js";

function field(label, value) {
  return [h("dt", {}, label), h("dd", {}, value)];
}

function streamRow(kind, url) {
  const id = `stream-${kind}`;
  const input = h("input", { id, type: "text", readOnly: true, value: url || "", size: 40 });
  const button = h("button", {
    type: "button", "aria-label": `Copy the ${kind} URL`,
    onclick: async () => {
      const ok = await copyText(url, input);
      button.textContent = ok ? "Copied" : "Select and copy";
      setTimeout(() => { button.textContent = "Copy"; }, 2000);
    },
  }, "Copy");
  const label = { webrtc: "WebRTC", hls: "HLS", rtsp: "RTSP" }[kind] || kind;
  return h("div.stream", {}, h("label", { for: id }, label), input, button);
}

export function mount(container, app, device) {
  const heading = h("h1", {}, device || "Camera");
  const state = h("span.state");
  const recBadge = h("span.rec", { id: "rec-badge", hidden: true }, "REC");
  const info = h("dl.facts");
  const caps = h("dl.facts");
  const streams = h("div.streams");
  const recordBox = h("section.panel", { "aria-labelledby": "rec-title" });
  const shotBox = h("section.panel", { "aria-labelledby": "shot-title" });
  const shotImg = h("img.shot", { alt: "", hidden: true });
  let live = null;
  let camera = null;
  let timer = null;
  let started = null; // Date.now() when the recording started
  let releaseShot = null;

  const timerText = h("output.timer", { "aria-live": "off", for: "rec-start" }, "");
  const recStatus = h("p.status", { role: "status" });
  const duration = h("input", { id: "rec-duration", type: "number", min: 1, step: 1, inputMode: "numeric", placeholder: "until stopped" });
  const start = h("button.primary", { id: "rec-start", type: "button" }, "Start recording");
  const stop = h("button", { id: "rec-stop", type: "button", disabled: true }, "Stop recording");

  const tick = () => { timerText.textContent = started ? seconds((Date.now() - started) / 1000) : ""; };
  const recording = (on, text) => {
    recBadge.hidden = !on;
    start.disabled = on;
    stop.disabled = !on;
    clearInterval(timer);
    if (on) { started = started || Date.now(); timer = setInterval(tick, 250); } else started = null;
    tick();
    recStatus.textContent = text;
    recStatus.dataset.state = on ? "recording" : "idle";
  };

  start.addEventListener("click", async () => {
    const params = { device };
    const d = Number(duration.value);
    if (duration.value && d > 0) params.duration = Math.round(d);
    start.disabled = true;
    try {
      const r = await app.call("start_recording", params);
      started = Date.parse(r.start_time) || Date.now();
      if (started > Date.now()) started = Date.now();
      recording(true, `Recording ${r.filename}${params.duration ? ` for ${params.duration} s` : ""}`);
      announce("Recording started");
    } catch (err) {
      start.disabled = false;
      recStatus.textContent = `Cannot start: ${reasonOf(err)}`;
    }
  });
  stop.addEventListener("click", async () => {
    stop.disabled = true;
    try {
      const r = await app.call("stop_recording", { device });
      recording(false, `Saved ${r.filename} (${seconds(r.duration)})`);
    } catch (err) {
      stop.disabled = false;
      recStatus.textContent = `Cannot stop: ${reasonOf(err)}`;
    }
  });

  const snap = h("button.primary", { id: "snapshot", type: "button" }, "Take snapshot");
  const shotStatus = h("p.status", { role: "status" });
  snap.addEventListener("click", async () => {
    snap.disabled = true;
    try {
      const shot = await app.call("take_snapshot", { device });
      shotStatus.textContent = `Saved ${shot.filename}`;
      await showShot(shot);
    } catch (err) {
      shotStatus.textContent = `Snapshot failed: ${reasonOf(err)}`;
    } finally {
      snap.disabled = false;
    }
  });

  async function showShot(shot) {
    const { showFile } = await import("./links.js");
    let url = shot.download_url;
    if (!url) url = (await app.call("get_snapshot_info", { filename: shot.filename })).download_url;
    const old = releaseShot;
    releaseShot = await showFile(shotImg, url, app.token);
    if (old) old();
    shotImg.alt = `Snapshot ${shot.filename}`;
    shotImg.dataset.filename = shot.filename;
    shotImg.hidden = false;
  }

  const picture = h("div.big");
  container.append(h("p", {}, h("a", { href: "#/cameras" }, "← All cameras"), " · ",
    h("a", { href: `#/motion/${encodeURIComponent(device)}`, id: "motion-link" }, "Motion detection")),
  h("header.title", {}, heading, recBadge, state), picture);
  if (app.can("operator")) {
    shotBox.append(h("h2", { id: "shot-title" }, "Snapshot"), snap, shotStatus, shotImg);
    recordBox.append(h("h2", { id: "rec-title" }, "Recording"),
      h("div.row", {}, h("label", { for: "rec-duration" }, "Duration (s)"), duration),
      h("div.row", {}, start, stop, timerText), recStatus);
    container.append(h("div.panels", {}, shotBox, recordBox));
  }
  container.append(h("div.panels", {},
    h("section.panel", {}, h("h2", {}, "Camera"), info),
    h("section.panel", {}, h("h2", {}, "Capabilities"), caps),
    h("section.panel", {}, h("h2", {}, "Streams"), streams)));

  const render = (cam) => {
    camera = { ...(camera || {}), ...cam };
    heading.textContent = camera.name || device;
    state.textContent = camera.status;
    state.dataset.status = camera.status;
    info.replaceChildren(...field("Id", device), ...field("Resolution", camera.resolution || "—"),
      ...field("Frame rate", fps(camera.fps)));
    if (camera.metrics && camera.metrics.uptime !== undefined && camera.metrics.uptime !== null) {
      info.append(...field("Up", seconds(camera.metrics.uptime)));
    }
    const s = camera.streams || {};
    streams.replaceChildren(...["webrtc", "hls", "rtsp"].filter((k) => s[k]).map((k) => streamRow(k, s[k])));
    if (!live) {
      live = new LiveView(app, camera, { autoRefresh: false });
      picture.append(live.el);
      live.start();
    } else live.update(camera);
  };

  const onNote = (e) => {
    const { method, params } = e.detail;
    if (!params || params.device !== device) return;
    if (method === "camera_status_update") render(params);
    if (method === "snapshot_taken" && live) live.onSnapshotTaken(params);
    if (method === "recording_status_update") {
      if (["STARTED", "RECORDING"].includes(params.status)) recording(true, `Recording ${params.filename || ""}`);
      else recording(false, `${params.status === "STOPPED" ? "Saved" : "Recording " + params.status.toLowerCase()} ${params.filename || ""}${params.duration !== undefined ? ` (${seconds(params.duration)})` : ""}`);
    }
  };
  app.addEventListener("notification", onNote);
  const onMediamtx = () => { if (live) live.start(); };
  app.addEventListener("mediamtx", onMediamtx);

  // a recording that was running before this page opened (null: none)
  const running = (rec) => {
    if (!rec || stop.disabled === false) return; // already shown (a notification came first)
    const since = Date.parse(rec.start_time);
    started = Number.isFinite(since) ? Math.min(since, Date.now()) : Date.now() - (rec.duration || 0) * 1000;
    recording(true, `Recording ${rec.filename}`);
  };
  app.call("get_camera_status", { device }).then((cam) => {
    render(cam);
    running(cam.recording);
  }).catch((err) => {
    heading.textContent = `${device}: ${reasonOf(err)}`;
  });
  app.call("get_camera_capabilities", { device }).then((c) => {
    caps.replaceChildren(...field("Formats", (c.formats || []).join(", ") || "—"),
      ...field("Resolutions", (c.resolutions || []).join(", ") || "—"),
      ...field("Frame rates", (c.fps_options || []).map((f) => Math.round(f)).join(", ") || "—"),
      ...field("Validation", upper(c.validation_status)));
  }).catch((err) => { caps.replaceChildren(h("p", {}, reasonOf(err))); });

  return () => {
    app.removeEventListener("notification", onNote);
    app.removeEventListener("mediamtx", onMediamtx);
    clearInterval(timer);
    if (live) live.stop();
    if (releaseShot) releaseShot();
  };
}
