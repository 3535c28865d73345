// Live HLS from MediaMTX played through Media Source Extensions: the playlists and
// segments are fetched here (with "Authorization: Bearer", so the token is in no URL and
// no log), gap segments are never asked for, and the newest segment is where playback
// starts. A fresh muxer therefore plays as soon as it has one real segment, where the
// browser's own HLS player asks for "gap.mp4" (404) and gives up.
//
// Video only (the <video> is muted). `onLost(err)` is called once when the stream stops:
// a request fails, MediaMTX answers an error, or no new segment comes for STALL_SEGMENTS
// target durations. `stop()` ends every request.

import { blocking, nextSegment, parseMedia, parseMultivariant, reloadUntil } from "./m3u8.js";

const REQUEST_TIMEOUT_MS = 12000; // a fresh on-demand path answers once its stream is ready
const FIRST_SEGMENT_TIMEOUT_MS = 15000;
const STALL_SEGMENTS = 4;
const KEEP_BEHIND_S = 10; // buffer kept behind the playhead
const MAX_LATENCY_S = 3; // further behind the newest frame than this: jump ahead

export function mseSupported(codec) {
  return typeof MediaSource !== "undefined"
    && MediaSource.isTypeSupported(`video/mp4; codecs="${codec || "avc1.42e01f"}"`);
}

// GET `url` with the token; rejects on an error status, on no answer within
// REQUEST_TIMEOUT_MS (`abort`, an AbortController, is then aborted) and when `abort` is
export async function get(url, token, abort) {
  const timeout = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
  try {
    const res = await fetch(url, {
      headers: { Authorization: `Bearer ${token}` }, cache: "no-store", signal: abort.signal,
    });
    if (!res.ok) throw new Error(`MediaMTX answered ${res.status}`);
    return res;
  } catch (err) {
    throw err.name === "AbortError" ? new Error("no answer from MediaMTX") : err;
  } finally {
    clearTimeout(timeout);
  }
}

export class MseHls {
  constructor(video, url, token, onLost) {
    this.video = video;
    this.url = url;
    this.token = token;
    this.onLost = onLost;
    this.abort = new AbortController();
    this.stopped = false;
    this.objectUrl = null;
  }

  // resolves when the first segment is in the buffer; rejects when it cannot get there
  async start() {
    performance.mark("hls:start"); // the steps to the first frame, for the bench
    const top = await this._text(this.url);
    const variant = parseMultivariant(top, this.url);
    const mediaUrl = variant ? variant.url : this.url;
    const codec = variant && variant.codec ? variant.codec : "avc1.42e01f";
    if (!mseSupported(codec)) throw new Error(`this browser cannot decode ${codec}`);
    const source = new MediaSource();
    this.objectUrl = URL.createObjectURL(source);
    this.video.srcObject = null;
    this.video.src = this.objectUrl;
    await new Promise((resolve) => source.addEventListener("sourceopen", resolve, { once: true }));
    this.buffer = source.addSourceBuffer(`video/mp4; codecs="${codec}"`);
    this.buffer.mode = "segments";
    const first = parseMedia(await this._text(mediaUrl), mediaUrl);
    performance.mark("hls:playlist");
    // a fresh muxer: only gaps so far; wait for its first real segment
    const media = await reloadUntil(first, mediaUrl, {
      load: (url) => this._text(url),
      ready: (m) => nextSegment(m, null) !== null,
      deadline: performance.now() + FIRST_SEGMENT_TIMEOUT_MS,
      stopped: () => this.stopped,
      notYet: "the muxer has no segment yet",
    });
    const next = nextSegment(media, null);
    performance.mark("hls:segment");
    if (!media.init) throw new Error("the playlist names no initialization segment");
    await this._append(await this._bytes(media.init));
    await this._append(await this._bytes(next.url));
    this._jumpToLive();
    this.video.play().catch(() => { /* autoplay: "playing" follows */ });
    this._follow(mediaUrl, media, next.sequence);
  }

  async stop() {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.stallTimer);
    this.abort.abort();
    if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
    this.objectUrl = null;
  }

  // every further segment, in order, as the muxer finishes it
  async _follow(mediaUrl, media, last) {
    try {
      while (!this.stopped) {
        this._watch(media.targetDuration);
        media = parseMedia(await this._text(blocking(mediaUrl, last + 1)), mediaUrl);
        let next;
        while (!this.stopped && (next = nextSegment(media, last))) {
          await this._append(await this._bytes(next.url));
          last = next.sequence;
        }
        this._jumpToLive();
        await this._trim();
      }
    } catch (err) {
      this._lost(err);
    }
  }

  _watch(targetDuration) {
    clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(() => this._lost(new Error("no new segment")),
      Math.max(4, STALL_SEGMENTS * targetDuration) * 1000);
  }

  _lost(err) {
    if (this.stopped) return;
    this.stop();
    this.onLost(err);
  }

  async _fetch(url) {
    if (this.stopped) throw new Error("stopped");
    return get(url, this.token, this.abort);
  }

  async _text(url) { return (await this._fetch(url)).text(); }

  async _bytes(url) { return (await this._fetch(url)).arrayBuffer(); }

  _append(data) {
    if (this.stopped) return Promise.reject(new Error("stopped"));
    return new Promise((resolve, reject) => {
      const done = () => { this.buffer.removeEventListener("error", failed); resolve(); };
      const failed = () => { this.buffer.removeEventListener("updateend", done); reject(new Error("the browser refused a segment")); };
      this.buffer.addEventListener("updateend", done, { once: true });
      this.buffer.addEventListener("error", failed, { once: true });
      this.buffer.appendBuffer(data);
    });
  }

  // start at the newest segment's beginning (a segment of buffer ahead); later, jump when
  // further behind than MAX_LATENCY_S, and play a little slower while the buffer runs low
  // (segments come whole, once a second) or faster while it is long
  _jumpToLive() {
    const v = this.video;
    const b = v.buffered;
    if (!b.length) return;
    const start = b.start(b.length - 1);
    const end = b.end(b.length - 1);
    if (v.currentTime < start) v.currentTime = start;
    else if (end - v.currentTime > MAX_LATENCY_S) v.currentTime = end - 1;
    const ahead = end - v.currentTime;
    v.playbackRate = ahead < 0.5 ? 0.9 : ahead > 2 ? 1.1 : 1;
  }

  _trim() {
    const b = this.buffer;
    const before = this.video.currentTime - KEEP_BEHIND_S;
    if (this.stopped || b.updating || !b.buffered.length || b.buffered.start(0) >= before) return null;
    return new Promise((resolve) => {
      b.addEventListener("updateend", resolve, { once: true });
      b.remove(0, before);
    });
  }
}
