// HLS playlists as MediaMTX writes them (gohlslib, fMP4), read. Pure: no I/O, no DOM; the
// one loop that waits for a playlist (reloadUntil) fetches only through the `load` it is given.
//
// A fresh muxer pads its media playlist with gap segments ("#EXT-X-GAP" before a "gap.mp4"
// that answers 404) until it has hlsSegmentCount real ones: they are kept as segments with
// url null, so a player skips them instead of asking for them.

// the attribute `name` of an "#EXT-…:A=B,C="D"" line, or null
export function attribute(line, name) {
  const body = line.slice(line.indexOf(":") + 1);
  let i = 0;
  while (i < body.length) {
    const eq = body.indexOf("=", i);
    if (eq < 0) return null;
    const key = body.slice(i, eq).trim();
    let value;
    let next;
    if (body[eq + 1] === '"') {
      const close = body.indexOf('"', eq + 2);
      if (close < 0) return null;
      value = body.slice(eq + 2, close);
      next = body.indexOf(",", close);
    } else {
      next = body.indexOf(",", eq);
      value = body.slice(eq + 1, next < 0 ? body.length : next);
    }
    if (key === name) return value;
    if (next < 0) return null;
    i = next + 1;
  }
  return null;
}

function lines(text) {
  return String(text).split("\n").map((l) => l.trim()).filter(Boolean);
}

// the first variant of a multivariant playlist: {url, codec (the video codec, "" if not
// named)}; null when `text` is a media playlist or names no variant
export function parseMultivariant(text, base) {
  const all = lines(text);
  for (let i = 0; i < all.length; i++) {
    if (!all[i].startsWith("#EXT-X-STREAM-INF:")) continue;
    const uri = all.slice(i + 1).find((l) => !l.startsWith("#"));
    if (!uri) return null;
    const codecs = (attribute(all[i], "CODECS") || "").split(",").map((c) => c.trim());
    const codec = codecs.find((c) => /^(avc1|avc3|hvc1|hev1|av01|vp09)\./.test(c)) || "";
    return { url: new URL(uri, base).href, codec };
  }
  return null;
}

// a media playlist: {sequence (of the first segment), targetDuration (s), init (url or
// null), segments: [{sequence, url (null for a gap), duration}]}
export function parseMedia(text, base) {
  const out = { sequence: 0, targetDuration: 1, init: null, segments: [] };
  let gap = false;
  let duration = 0;
  for (const line of lines(text)) {
    if (line.startsWith("#EXT-X-MEDIA-SEQUENCE:")) {
      out.sequence = Number(line.slice(22)) || 0;
    } else if (line.startsWith("#EXT-X-TARGETDURATION:")) {
      out.targetDuration = Number(line.slice(22)) || 1;
    } else if (line.startsWith("#EXT-X-MAP:")) {
      const uri = attribute(line, "URI");
      if (uri) out.init = new URL(uri, base).href;
    } else if (line === "#EXT-X-GAP") {
      gap = true;
    } else if (line.startsWith("#EXTINF:")) {
      duration = parseFloat(line.slice(8)) || 0;
    } else if (!line.startsWith("#")) {
      const sequence = out.sequence + out.segments.length;
      out.segments.push({ sequence, url: gap ? null : new URL(line, base).href, duration });
      gap = false;
      duration = 0;
    }
  }
  return out;
}

// the segment to fetch after `last` (a sequence number, or null before the first): the
// newest real segment when starting or when `last` fell out of the playlist, else the one
// after `last`; null when there is none yet
export function nextSegment(media, last) {
  const real = media.segments.filter((s) => s.url);
  if (!real.length) return null;
  if (last === null || last < media.sequence - 1) return real[real.length - 1];
  return real.find((s) => s.sequence > last) || null;
}

// the sequence number to wait for with a blocking reload (_HLS_msn): the one after the
// newest segment listed
export function awaitedSequence(media) {
  return media.sequence + media.segments.length;
}

// LL-HLS blocking reload: MediaMTX answers once segment `sequence` exists
export function blocking(url, sequence) {
  const u = new URL(url);
  u.searchParams.set("_HLS_msn", String(sequence));
  return u.href;
}

// `media` (the parsed playlist at `mediaUrl`) reloaded blocking, with `load(url)` (resolves
// to a playlist's text), until `ready(media)`; resolves to that playlist. Rejects once
// `stopped()` and when performance.now() passes `deadline` (with the message `notYet`)
export async function reloadUntil(media, mediaUrl, { load, ready, deadline, stopped, notYet }) {
  while (!ready(media)) {
    if (stopped()) throw new Error("stopped");
    if (performance.now() > deadline) throw new Error(notYet);
    media = parseMedia(await load(blocking(mediaUrl, awaitedSequence(media))), mediaUrl);
  }
  return media;
}
