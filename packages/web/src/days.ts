/**
 * Agreement days: the engine says which day `asOf` is (`status.day`); any other instant's day is
 * that number plus the calendar days between the two, counted in the agreement's time zone (a
 * release at 23:40 local time is on that local day, whatever the browser's zone).
 */
const formats = new Map<string, Intl.DateTimeFormat>();

export function localDate(iso: string, timeZone: string): string {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    formats.set(timeZone, format);
  }
  return format.format(new Date(iso));
}

export function agreementDay(
  iso: string,
  reference: { day: number; asOf: string },
  timeZone: string,
): number {
  const days = (text: string) => Date.parse(`${text}T00:00:00Z`) / 86_400_000;
  return reference.day + days(localDate(iso, timeZone)) - days(localDate(reference.asOf, timeZone));
}
