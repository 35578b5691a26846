// What the manager chose, shared by the pages of this tab: the branch, the
// board's date range, the calendar's day, and the server's "today" (learnt from
// the board, so a browser with a wrong clock still opens on the right day).

export const prefs = {
  branch: "", // "" = every branch the user may see
  from: null,
  to: null,
  day: null,
  today: null,
  branches: [], // [{id, name, timezone, slot_step_min, …}] the user may see
};

export function branchById(id) {
  return prefs.branches.find((b) => b.id === id) || null;
}

/** The branch a one-branch page (calendar, booking) should use. */
export function singleBranch() {
  return branchById(prefs.branch) || prefs.branches[0] || null;
}

export const STATUSES = [
  ["new", "Новые"],
  ["confirmed", "Подтверждены"],
  ["in_progress", "В работе"],
  ["done", "Выполнено"],
  ["cancelled", "Отменены"],
  ["no_show", "Не пришёл"],
];

export const statusTitle = (status) => (STATUSES.find(([s]) => s === status) || [status, status])[1];
