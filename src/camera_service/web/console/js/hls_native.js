// Live HLS through the browser's own player, for browsers without Media Source Extensions
// (older iPhones). The <video> cannot send headers, so the token goes as ?jwt=. A fresh
// muxer's playlist lists gap segments that answer 404, and that player gives up on them:
// it is handed the stream only once MediaMTX's playlist has no gap left (blocking reloads,
// bounded by READY_TIMEOUT_MS). `onLost(err)` once when playback errs or stops advancing.

import { get } from "./hls_mse.js";
import { parseMedia, parseMultivariant, reloadUntil } from "./m3u8.js";

const READY_TIMEOUT_MS = 20000;
const STALL_MS = 4000;

export class NativeHls {
  constructor(video, url, token, onLost) {
    this.video = video;
    this.url = url;
    this.token = token;
    this.onLost = onLost;
    this.abort = new AbortController();
    this.stopped = false;
  }

  async start() {
    const variant = parseMultivariant(await (await get(this.url, this.token, this.abort)).text(), this.url);
    const mediaUrl = variant ? variant.url : this.url;
    const deadline = performance.now() + READY_TIMEOUT_MS;
    const load = async (url) => (await get(url, this.token, this.abort)).text();
    await reloadUntil(parseMedia(await load(mediaUrl), mediaUrl), mediaUrl, {
      load,
      ready: (m) => m.segments.length > 0 && m.segments.every((s) => s.url),
      deadline,
      stopped: () => this.stopped,
      notYet: "the muxer has no full playlist yet",
    });
    const u = new URL(this.url);
    u.searchParams.set("jwt", this.token);
    this.video.srcObject = null;
    this.video.src = u.href;
    this.onError = () => this._lost(new Error("the player stopped"));
    this.video.addEventListener("error", this.onError);
    let at = -1;
    let since = performance.now();
    this.timer = setInterval(() => {
      const t = this.video.currentTime;
      if (t !== at) { at = t; since = performance.now(); } else if (performance.now() - since > STALL_MS) this._lost(new Error("no new frames"));
    }, 500);
  }

  _lost(err) {
    if (this.stopped) return;
    this.stop();
    this.onLost(err);
  }

  async stop() {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    this.abort.abort();
    if (this.onError) this.video.removeEventListener("error", this.onError);
  }
}
