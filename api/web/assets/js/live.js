// The board's live feed: one WebSocket to /api/v1/dashboard/updates (SPEC §4).
//
// It starts from the board's `seq` (sent as after_seq), so nothing committed
// between loading the board and opening the socket is missed. `lastSeq` moves
// with every event and heartbeat; after a drop the socket reconnects with
// after_seq = lastSeq and the server replays the gap from its journal. A frame
// at or below lastSeq is a repeat and is skipped. While disconnected the
// #live badge says so. A silent socket (no frame, not even the server's
// heartbeat, for WATCHDOG_MS) is treated as dead and reopened.

import { current, signOut } from "./session.js";

const DELAYS = [300, 1000, 2000, 4000, 6000];
const WATCHDOG_MS = 50000; // the server sends a heartbeat at least every 20 s
const TOKEN_EXPIRED = 4401;

const listeners = new Set();
let socket = null;
let lastSeq = null;
let attempt = 0;
let running = false;
let retryTimer = null;
let watchdog = null;

export const seq = () => lastSeq;

/** Subscribe to event frames ({type, seq, branch_id, appointment}); returns an unsubscribe function. */
export function on(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Start the feed after the board's `seq` (no-op when already running). */
export function start(boardSeq) {
  if (running) return;
  running = true;
  lastSeq = typeof boardSeq === "number" ? boardSeq : null;
  attempt = 0;
  open();
}

export function stop() {
  running = false;
  clearTimeout(retryTimer);
  clearTimeout(watchdog);
  const s = socket;
  socket = null;
  if (s) s.close(1000, "bye");
  badge("offline");
}

function badge(state) {
  const el = document.getElementById("live");
  if (!el) return;
  el.dataset.state = state;
  el.textContent = { online: "в сети", reconnecting: "переподключение…", offline: "не в сети" }[state];
}

function feedWatchdog(s) {
  clearTimeout(watchdog);
  watchdog = setTimeout(() => s === socket && s.close(4000, "silent"), WATCHDOG_MS);
}

function open() {
  const session = current();
  if (!session) {
    stop();
    return;
  }
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const s = new WebSocket(`${proto}//${location.host}/api/v1/dashboard/updates`);
  socket = s;
  s.addEventListener("open", () => {
    const hello = { type: "auth", token: session.token };
    if (lastSeq !== null) hello.after_seq = lastSeq;
    s.send(JSON.stringify(hello));
    feedWatchdog(s);
  });
  s.addEventListener("message", (m) => {
    if (s !== socket) return;
    feedWatchdog(s);
    let frame;
    try {
      frame = JSON.parse(m.data);
    } catch {
      return;
    }
    if (frame.type === "ready") {
      attempt = 0;
      if (lastSeq === null) lastSeq = frame.seq; // with after_seq, the replay moves lastSeq
      badge("online");
      return;
    }
    if (typeof frame.seq === "number") {
      if (lastSeq !== null && frame.seq <= lastSeq) return;
      lastSeq = frame.seq;
    }
    if (frame.type === "ping") return; // every event up to its seq has been delivered
    for (const fn of listeners) fn(frame);
  });
  s.addEventListener("close", (e) => {
    if (s !== socket) return;
    socket = null;
    clearTimeout(watchdog);
    if (!running) return;
    if (e.code === TOKEN_EXPIRED) {
      signOut("expired");
      return;
    }
    badge("reconnecting");
    const delay = DELAYS[Math.min(attempt, DELAYS.length - 1)] * (0.8 + Math.random() * 0.4);
    attempt += 1;
    retryTimer = setTimeout(open, delay);
  });
}

window.addEventListener("online", () => {
  if (running && !socket) {
    clearTimeout(retryTimer);
    open();
  }
});
