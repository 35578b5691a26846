// Drag and drop with pointer events: one code path for mouse, pen and touch.
// A mouse drag starts after a few pixels of movement; on a touch screen a card
// is picked up by pressing it for a moment (a quick swipe still scrolls the page).
// While dragging, a ghost copy follows the pointer and the drop target is the
// element under the pointer that matches `target` (found with elementFromPoint).

const MOUSE_SLOP = 5; // px before a mouse press becomes a drag
const TOUCH_HOLD_MS = 250; // press this long to pick up with a finger
const TOUCH_SLOP = 8; // moving more than this first is a scroll

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

    const start = () => {
      ghost = el.cloneNode(true);
      ghost.classList.add("drag-ghost");
      ghost.removeAttribute("data-id");
      ghost.style.width = `${rect.width}px`;
      ghost.style.height = `${rect.height}px`;
      document.body.append(ghost);
      el.classList.add("drag-source");
      document.body.classList.add("dragging");
      move(last.x, last.y);
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
      window.removeEventListener("pointermove", onMove);
      window.removeEventListener("pointerup", onUp);
      window.removeEventListener("pointercancel", onCancel);
      window.removeEventListener("keydown", onKey, true);
      window.removeEventListener("touchmove", noScroll);
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

    window.addEventListener("pointermove", onMove);
    window.addEventListener("pointerup", onUp);
    window.addEventListener("pointercancel", onCancel);
    window.addEventListener("keydown", onKey, true);
    if (touch) {
      window.addEventListener("touchmove", noScroll, { passive: false });
      holdTimer = setTimeout(start, TOUCH_HOLD_MS);
    } else {
      down.preventDefault(); // no text selection while dragging
    }
  });
}
