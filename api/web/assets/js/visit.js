// A visit's services as the board and the calendar show them (SPEC §9.2): a visit of several
// services is ONE card / block of the full length, naming every service, priced at its total.

/** «Стрижка + Укладка»: every service of the visit in order (the first alone for old answers). */
export function serviceNames(appt) {
  const names = appt.services?.length ? appt.services.map((s) => s.name) : [appt.service.name];
  return names.join(" + ");
}

/** The visit's price fixed at booking (the service's price for answers without it). */
export function visitPrice(appt) {
  return appt.total_price || appt.service.price;
}
