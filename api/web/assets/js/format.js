// Dates, times, money and phones for a Russian UI. Appointment times arrive as
// ISO strings with the branch's own offset ("2026-03-02T10:00:00+03:00"), so their
// local date and wall time are read straight from the string, never re-zoned.

export const pad = (n) => String(n).padStart(2, "0");

export const localDate = (iso) => iso.slice(0, 10);
export const localTime = (iso) => iso.slice(11, 16);

/** Minutes after local midnight of an ISO time with offset. */
export function localMinutes(iso) {
  return Number(iso.slice(11, 13)) * 60 + Number(iso.slice(14, 16));
}

/** "09:30" → 570 (working hours come as local "HH:MM"; "24:00" is the day's end). */
export function minutesOf(text) {
  return Number(text.slice(0, 2)) * 60 + Number(text.slice(3, 5));
}

export function hhmm(minutes) {
  return `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/** "YYYY-MM-DD" of today in an IANA zone. */
export function todayIn(timeZone) {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
}

export function addDays(day, n) {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

const dayTitleFmt = new Intl.DateTimeFormat("ru-RU", { timeZone: "UTC", weekday: "long", day: "numeric", month: "long" });
const dayShortFmt = new Intl.DateTimeFormat("ru-RU", { timeZone: "UTC", weekday: "short", day: "2-digit", month: "2-digit" });

export const dayTitle = (day) => dayTitleFmt.format(new Date(`${day}T12:00:00Z`));
export const dayShort = (day) => dayShortFmt.format(new Date(`${day}T12:00:00Z`));

/** The zone's UTC offset ("+03:00") at a UTC instant (ms). */
function offsetAt(timeZone, ms) {
  const part = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" })
    .formatToParts(new Date(ms)).find((p) => p.type === "timeZoneName");
  const m = /GMT([+-]\d{2}):?(\d{2})?/.exec(part ? part.value : "");
  return m ? `${m[1]}:${m[2] || "00"}` : "+00:00";
}

const offsetMinutes = (text) => (text[0] === "-" ? -1 : 1) * (Number(text.slice(1, 3)) * 60 + Number(text.slice(4, 6)));

/** ISO instant with offset for a local wall time (`minutes` after midnight) on `day` in `timeZone`. */
export function isoAt(timeZone, day, minutes) {
  const wall = Date.parse(`${day}T${hhmm(minutes)}:00Z`);
  let offset = offsetAt(timeZone, wall);
  const second = offsetAt(timeZone, wall - offsetMinutes(offset) * 60000);
  if (second !== offset) offset = second; // near a DST change the first guess was off
  return `${day}T${hhmm(minutes)}:00${offset}`;
}

export function money(price, currency = "RUB") {
  const amount = Number(price);
  if (!Number.isFinite(amount)) return `${price} ${currency}`;
  try {
    return new Intl.NumberFormat("ru-RU", {
      style: "currency", currency, maximumFractionDigits: Number.isInteger(amount) ? 0 : 2,
    }).format(amount);
  } catch {
    return `${amount} ${currency}`;
  }
}

/** "+79991234567" → "+7 (999) 123-45-67"; other numbers stay as they are. */
export function phone(e164) {
  if (!e164) return "";
  const [main, ext] = String(e164).split(";ext=");
  const m = /^\+7(\d{3})(\d{3})(\d{2})(\d{2})$/.exec(main);
  const text = m ? `+7 (${m[1]}) ${m[2]}-${m[3]}-${m[4]}` : main;
  return ext ? `${text} доб. ${ext}` : text;
}

/**
 * Format a phone while it is typed: Russian numbers ("8…", "7…", "9…", "+7…")
 * as +7 (999) 123-45-67; anything starting with another "+" code is left as digits.
 */
export function phoneAsTyped(raw) {
  const text = String(raw);
  let digits = text.replace(/\D/g, "");
  if (!digits) return text.trim().startsWith("+") ? "+" : "";
  if (text.trim().startsWith("+") && digits[0] !== "7") return `+${digits.slice(0, 15)}`;
  if (digits[0] === "8" || digits[0] === "7") digits = digits.slice(1);
  digits = digits.slice(0, 10);
  let out = "+7";
  if (digits.length) out += ` (${digits.slice(0, 3)}`;
  if (digits.length >= 3) out += ")";
  if (digits.length > 3) out += ` ${digits.slice(3, 6)}`;
  if (digits.length > 6) out += `-${digits.slice(6, 8)}`;
  if (digits.length > 8) out += `-${digits.slice(8, 10)}`;
  return out;
}

/** Is a typed phone complete enough to search for and to send? */
export function phoneComplete(typed) {
  const digits = String(typed).replace(/\D/g, "");
  return String(typed).startsWith("+7") ? digits.length === 11 : digits.length >= 8;
}

const stampFmt = new Intl.DateTimeFormat("ru-RU", { dateStyle: "short", timeStyle: "medium" });
export const stamp = (iso) => stampFmt.format(new Date(iso));

export function plural(n, one, few, many) {
  const m10 = n % 10, m100 = n % 100;
  if (m10 === 1 && m100 !== 11) return one;
  if (m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14)) return few;
  return many;
}
