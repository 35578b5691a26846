// The arrival chime: two short sine tones made with Web Audio (no sound file).
// Browsers start audio only after a user gesture, so the context is created on
// the first click or key press; the mute choice is remembered in localStorage.

const KEY = "zapis.muted";
let ctx = null;
let chimes = 0;

export const muted = () => localStorage.getItem(KEY) === "1";

export function setMuted(value) {
  localStorage.setItem(KEY, value ? "1" : "0");
}

function context() {
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx) return null;
  if (!ctx) ctx = new Ctx();
  if (ctx.state === "suspended") ctx.resume().catch(() => {});
  return ctx;
}

/** Call once: unlocks audio on the first user gesture. */
export function unlockOnGesture() {
  const unlock = () => {
    context();
    window.removeEventListener("pointerdown", unlock, true);
    window.removeEventListener("keydown", unlock, true);
  };
  window.addEventListener("pointerdown", unlock, true);
  window.addEventListener("keydown", unlock, true);
}

function tone(ac, freq, at, length) {
  const osc = ac.createOscillator();
  const gain = ac.createGain();
  osc.type = "sine";
  osc.frequency.value = freq;
  gain.gain.setValueAtTime(0.0001, at);
  gain.gain.exponentialRampToValueAtTime(0.2, at + 0.02);
  gain.gain.exponentialRampToValueAtTime(0.0001, at + length);
  osc.connect(gain).connect(ac.destination);
  osc.start(at);
  osc.stop(at + length + 0.02);
}

/** Play the chime unless muted; returns whether it played. */
export function chime() {
  if (muted()) return false;
  const ac = context();
  if (!ac) return false;
  const t = ac.currentTime + 0.01;
  tone(ac, 880, t, 0.14);
  tone(ac, 1318.5, t + 0.12, 0.2);
  chimes += 1;
  document.documentElement.dataset.chimes = String(chimes); // visible to tests and devtools
  return true;
}
