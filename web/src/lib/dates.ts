// Dates as people read them: in their own time zone and language. The server sends ISO 8601 UTC; every
// function here takes an optional IANA time zone (undefined = the browser's), so tests can pin one.

type DateInput = string | number | Date;

function toDate(value: DateInput): Date {
  return value instanceof Date ? value : new Date(value);
}

// Intl formatters are expensive to build and are used for every message: keep one per options.
const cache = new Map<string, Intl.DateTimeFormat>();
function formatter(locale: string, timeZone: string | undefined, options: Intl.DateTimeFormatOptions) {
  const key = `${locale}|${timeZone ?? ''}|${JSON.stringify(options)}`;
  let f = cache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { ...options, timeZone });
    cache.set(key, f);
  }
  return f;
}

/** The calendar day of an instant in the time zone, as YYYY-MM-DD (for grouping and comparing days). */
export function dayKey(value: DateInput, timeZone?: string): string {
  const parts = formatter('en-US', timeZone, {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(toDate(value));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** Whole calendar days from `value`'s day to `now`'s day in the time zone (0 today, 1 yesterday, …). */
export function daysAgo(value: DateInput, now: DateInput, timeZone?: string): number {
  const day = (key: string) => {
    const [y, m, d] = key.split('-').map(Number);
    return Date.UTC(y!, m! - 1, d!) / 86_400_000;
  };
  return Math.round(day(dayKey(now, timeZone)) - day(dayKey(value, timeZone)));
}

/** The time of day: "3:04 PM" in English, "오후 3:04" in Korean. */
export function formatTime(value: DateInput, locale: string, timeZone?: string): string {
  return formatter(locale, timeZone, { hour: 'numeric', minute: '2-digit' }).format(toDate(value));
}

/** Date and time in full, for a tooltip or a screen reader: "Tuesday, November 25, 2026 at 3:04 PM". */
export function formatDateTime(value: DateInput, locale: string, timeZone?: string): string {
  return formatter(locale, timeZone, { dateStyle: 'full', timeStyle: 'short' }).format(toDate(value));
}

function capitalize(text: string, locale: string): string {
  return text ? text.charAt(0).toLocaleUpperCase(locale) + text.slice(1) : text;
}

function relativeDay(days: number, locale: string): string {
  return capitalize(new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }).format(-days, 'day'), locale);
}

/** The label of a day separator in a conversation: "Today", "Yesterday", or the full date. */
export function formatDaySeparator(value: DateInput, locale: string, now: DateInput = Date.now(), timeZone?: string): string {
  const days = daysAgo(value, now, timeZone);
  if (days === 0 || days === 1) return relativeDay(days, locale);
  const sameYear = dayKey(value, timeZone).slice(0, 4) === dayKey(now, timeZone).slice(0, 4);
  return formatter(locale, timeZone, {
    weekday: 'long',
    month: 'long',
    day: 'numeric',
    ...(sameYear ? {} : { year: 'numeric' }),
  }).format(toDate(value));
}

/** The short time of a room's last message in the room list: time today, then "Yesterday", a weekday,
 *  a month and day this year, or a full numeric date. */
export function formatListTime(value: DateInput, locale: string, now: DateInput = Date.now(), timeZone?: string): string {
  const days = daysAgo(value, now, timeZone);
  if (days <= 0) return formatTime(value, locale, timeZone);
  if (days === 1) return relativeDay(1, locale);
  if (days < 7) return formatter(locale, timeZone, { weekday: 'short' }).format(toDate(value));
  const sameYear = dayKey(value, timeZone).slice(0, 4) === dayKey(now, timeZone).slice(0, 4);
  if (sameYear) return formatter(locale, timeZone, { month: 'short', day: 'numeric' }).format(toDate(value));
  return formatter(locale, timeZone, { year: 'numeric', month: 'numeric', day: 'numeric' }).format(toDate(value));
}
