// Drag and drop with pointer events: one code path for mouse, pen and touch.
// A mouse drag starts after a few pixels of movement; on a touch screen a card
// is picked up by pressing it for a moment (a quick swipe still scrolls the page).
// While dragging, a ghost copy follows the pointer and the drop target is the
// element under the pointer that matches `target` (found with elementFromPoint).
// Held near the edge of a scrolling box (the board's columns on a tablet, the
// calendar), the box scrolls on, so a card can travel to a column out of sight.

const MOUSE_SLOP = 5; // px before a mouse press becomes a drag
const TOUCH_HOLD_MS = 250; // press this long to pick up with a finger
const TOUCH_SLOP = 8; // moving more than this first is a scroll
const EDGE = 48; // px from a scrolling box's edge where it starts to scroll
const EDGE_SPEED = 14; // px per frame at the very edge

/** The boxes around `el` that scroll, nearest first. */
function scrollers(el) {
  const found = [];
  for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
    const style = getComputedStyle(a);
    const x = /(auto|scroll)/.test(style.overflowX) && a.scrollWidth > a.clientWidth;
    const y = /(auto|scroll)/.test(style.overflowY) && a.scrollHeight > a.clientHeight;
    if (x || y) found.push({ box: a, x, y });
  }
  return found;
}

/** How fast to scroll for a pointer at `p` in [lo, hi]: negative near lo, positive near hi. */
function edgeSpeed(p, lo, hi) {
  if (p < lo + EDGE) return -Math.ceil(EDGE_SPEED * Math.min(1, (lo + EDGE - p) / EDGE));
  if (p > hi - EDGE) return Math.ceil(EDGE_SPEED * Math.min(1, (p - hi + EDGE) / EDGE));
  return 0;
}

/**
 * draggable(el, {target: ".column", over(target, x, y, grab), drop(target, x, y, grab), end()})
 * `grab` is {dx, dy}: where inside `el` it was taken.
 */
export function draggable(el, opts) {
  el.addEventListener("pointerdown", (down) => {
    if (down.button !== 0 || !down.isPrimary || el.classList.contains("busy")) return;
    const rect = el.getBoundingClientRect();
    const grab = { dx: down.clientX - rect.left, dy: down.clientY - rect.top };
    const touch = down.pointerType === "touch";
    let ghost = null;
    let target = null;
    let holdTimer = null;
    let last = { x: down.clientX, y: down.clientY };
    let boxes = [];
    let frame = 0;

    // While the pointer rests near an edge of a scrolling box, scroll it and re-aim.
    const autoscroll = () => {
      frame = 0;
      if (!ghost) return;
      let moved = false;
      for (const { box, x, y } of boxes) {
        const r = box.getBoundingClientRect();
        const dx = x && last.y >= r.top && last.y <= r.bottom ? edgeSpeed(last.x, r.left, r.right) : 0;
        const dy = y && last.x >= r.left && last.x <= r.right ? edgeSpeed(last.y, r.top, r.bottom) : 0;
        if (!dx && !dy) continue;
        const before = [box.scrollLeft, box.scrollTop];
        box.scrollBy(dx, dy);
        if (box.scrollLeft !== before[0] || box.scrollTop !== before[1]) moved = true;
      }
      if (moved) move(last.x, last.y);
      frame = requestAnimationFrame(autoscroll);
    };

    const start = () => {
      ghost = el.cloneNode(true);
      ghost.classList.add("drag-ghost");
      ghost.removeAttribute("data-id");
      ghost.style.width = `${rect.width}px`;
      ghost.style.height = `${rect.height}px`;
      document.body.append(ghost);
      el.classList.add("drag-source");
      document.body.classList.add("dragging");
      boxes = scrollers(el);
      move(last.x, last.y);
      if (boxes.length) frame = requestAnimationFrame(autoscroll);
    };
    const move = (x, y) => {
      last = { x, y };
      if (!ghost) return;
      ghost.style.transform = `translate(${x - grab.dx}px, ${y - grab.dy}px)`;
      const under = document.elementFromPoint(x, y);
      const next = under ? under.closest(opts.target) : null;
      if (next !== target) {
        if (target) target.classList.remove("drop-over");
        if (next) next.classList.add("drop-over");
        target = next;
      }
      if (opts.over) opts.over(target, x, y, grab);
    };
    const finish = (dropped) => {
      clearTimeout(holdTimer);
      cancelAnimationFrame(frame);
      window.removeEventListener("pointermove", onMove);
      window.removeEventListener("pointerup", onUp);
      window.removeEventListener("pointercancel", onCancel);
      window.removeEventListener("keydown", onKey, true);
      window.removeEventListener("touchmove", noScroll);
      window.removeEventListener("contextmenu", noMenu, true);
      if (!ghost) return;
      ghost.remove();
      el.classList.remove("drag-source");
      document.body.classList.remove("dragging");
      if (target) target.classList.remove("drop-over");
      // The click that follows a drag is not a click on whatever lies under the pointer.
      const swallow = (e) => e.stopPropagation();
      window.addEventListener("click", swallow, { capture: true, once: true });
      setTimeout(() => window.removeEventListener("click", swallow, true), 0);
      if (dropped && target) opts.drop(target, last.x, last.y, grab);
      if (opts.end) opts.end();
    };
    const onMove = (e) => {
      if (e.pointerId !== down.pointerId) return;
      const far = Math.hypot(e.clientX - down.clientX, e.clientY - down.clientY);
      if (!ghost) {
        if (touch) {
          if (far > TOUCH_SLOP) finish(false); // a scroll, not a drag
          return;
        }
        if (far < MOUSE_SLOP) return;
        start();
      }
      e.preventDefault();
      move(e.clientX, e.clientY);
    };
    const onUp = (e) => e.pointerId === down.pointerId && finish(true);
    const onCancel = (e) => e.pointerId === down.pointerId && finish(false);
    const onKey = (e) => {
      if (e.key === "Escape") {
        target = null;
        finish(false);
      }
    };
    const noScroll = (e) => ghost && e.preventDefault();
    const noMenu = (e) => e.preventDefault(); // a long press is a pick-up, not a context menu

    window.addEventListener("pointermove", onMove);
    window.addEventListener("pointerup", onUp);
    window.addEventListener("pointercancel", onCancel);
    window.addEventListener("keydown", onKey, true);
    if (touch) {
      window.addEventListener("touchmove", noScroll, { passive: false });
      window.addEventListener("contextmenu", noMenu, true);
      holdTimer = setTimeout(start, TOUCH_HOLD_MS);
    } else {
      down.preventDefault(); // no text selection while dragging
    }
  });
}
