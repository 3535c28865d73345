// One WebRTC reading session with MediaMTX over WHEP: POST an SDP offer with
// "Authorization: Bearer" to the path's /whep URL, apply the answer, keep the session URL
// (Location) to end it.
//
// An idle on-demand path answers the POST once MediaMTX has started its stream (WHEP to
// such a path is what starts it), so the POST waits up to POST_TIMEOUT_MS.
// `open()` rejects with an Error whose `unreachable` is true when the offer was answered but
// no connection came up (UDP blocked, no usable candidate): HLS is the way then.
// `onLost()` is called once when a connection that was up goes away (MediaMTX stopped, the
// network dropped) or stops delivering video for STALL_MS.
// `stop()` ends the session: DELETE first (MediaMTX then removes it at once; closing the
// peer connection first ends the session on MediaMTX's side, and the DELETE would get 404),
// then the peer connection.
// `prepare()` makes the offer (its ICE candidates gathered, ~0.1 s) without asking MediaMTX:
// a tile waiting for MediaMTX's return has it ready, and `open()` posts it at once.

const POST_TIMEOUT_MS = 15000;
const CONNECT_TIMEOUT_MS = 6000;
const GATHER_TIMEOUT_MS = 2000;
const DELETE_TIMEOUT_MS = 2000;
const STALL_MS = 2500;
const CHECK_EVERY_MS = 500;

function unreachable(message) {
  const err = new Error(message);
  err.unreachable = true;
  return err;
}

function gathered(pc) {
  return new Promise((resolve) => {
    if (pc.iceGatheringState === "complete") return resolve();
    const t = setTimeout(resolve, GATHER_TIMEOUT_MS);
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState === "complete") { clearTimeout(t); resolve(); }
    });
  });
}

export class WhepSession {
  constructor(url, token, onLost) {
    this.url = url;
    this.token = token;
    this.onLost = onLost;
    this.pc = null;
    this.session = null;
    this.closed = false;
    this.lost = false; // the connection went away under us: MediaMTX has no session to end
    this.offer = null; // prepare()'s promise
    this.stream = null; // resolves with the remote video's MediaStream
  }

  // the peer connection and its offer with every ICE candidate (once; MediaMTX not asked)
  prepare() {
    if (!this.offer) this.offer = this._offer();
    return this.offer;
  }

  async _offer() {
    const pc = new RTCPeerConnection();
    this.pc = pc;
    pc.addTransceiver("video", { direction: "recvonly" });
    this.stream = new Promise((resolve) => pc.addEventListener("track", (e) => {
      if (e.track.kind === "video") resolve(e.streams[0] || new MediaStream([e.track]));
    }));
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    // no candidate at all (UDP not allowed, no interface): nothing could ever connect
    if (!/^a=candidate:/m.test(pc.localDescription.sdp)) throw unreachable("no WebRTC candidates (UDP blocked?)");
  }

  // resolves with the MediaStream once the connection is up
  async open() {
    performance.mark("whep:start");
    await this.prepare();
    if (this.closed) throw new Error("superseded");
    const pc = this.pc;
    const stream = this.stream;
    performance.mark("whep:offer"); // the steps to the first frame, for the bench
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), POST_TIMEOUT_MS);
    let res;
    try {
      res = await fetch(this.url, {
        method: "POST", signal: abort.signal,
        headers: { "Content-Type": "application/sdp", Authorization: `Bearer ${this.token}` },
        body: pc.localDescription.sdp,
      });
    } catch (err) {
      if (err.name === "AbortError") throw new Error("MediaMTX did not answer");
      const refused = new Error("MediaMTX is not reachable");
      refused.refused = true; // its WebRTC port, at least: HLS may still be there
      throw refused;
    } finally {
      clearTimeout(timer);
    }
    const where = res.headers.get("Location");
    if (where) this.session = new URL(where, this.url).href;
    if (this.closed) { // stop() came during the POST: end what MediaMTX just made
      this._end();
      throw new Error("superseded");
    }
    if (res.status !== 201 && res.status !== 200) throw new Error(`WHEP answered ${res.status}`);
    performance.mark("whep:answer");
    await pc.setRemoteDescription({ type: "answer", sdp: await res.text() });
    await this._connected(pc);
    performance.mark("whep:connected");
    this._watch(pc);
    return stream;
  }

  _connected(pc) {
    return new Promise((resolve, reject) => {
      const done = (fn, arg) => { clearTimeout(timer); pc.removeEventListener("connectionstatechange", check); fn(arg); };
      const check = () => {
        if (this.closed) done(reject, new Error("superseded"));
        else if (pc.connectionState === "connected") done(resolve);
        else if (pc.connectionState === "failed") done(reject, unreachable("no WebRTC connection"));
      };
      const timer = setTimeout(() => done(reject, unreachable("no WebRTC connection")), CONNECT_TIMEOUT_MS);
      pc.addEventListener("connectionstatechange", check);
      check();
    });
  }

  // lost: the connection fails or closes, or no video bytes come for STALL_MS
  _watch(pc) {
    let bytes = -1;
    let since = performance.now();
    const lost = () => {
      if (this.closed || this.lost) return;
      clearInterval(this.timer);
      this.lost = true;
      this.onLost();
    };
    pc.addEventListener("connectionstatechange", () => {
      if (["failed", "closed"].includes(pc.connectionState)) lost();
    });
    this.timer = setInterval(async () => {
      let now = bytes;
      try {
        (await pc.getStats()).forEach((r) => {
          if (r.type === "inbound-rtp" && r.kind === "video") now = r.bytesReceived;
        });
      } catch {
        return; // closed meanwhile
      }
      if (now !== bytes) { bytes = now; since = performance.now(); } else if (performance.now() - since > STALL_MS) lost();
    }, CHECK_EVERY_MS);
  }

  // DELETE the session (while MediaMTX still has it), then close the peer connection;
  // `keepalive` lets the DELETE outlive a page being unloaded
  async stop() {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this._end();
  }

  async _end() {
    const pc = this.pc;
    const url = this.session;
    this.session = null;
    if (url && !this.lost) {
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), DELETE_TIMEOUT_MS);
      try {
        await fetch(url, { method: "DELETE", keepalive: true, signal: abort.signal, headers: { Authorization: `Bearer ${this.token}` } });
      } catch {
        /* MediaMTX went away: the session went with it */
      } finally {
        clearTimeout(timer);
      }
    }
    if (pc) pc.close();
  }
}
