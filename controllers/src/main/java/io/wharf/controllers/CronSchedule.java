package io.wharf.controllers;

import java.time.DayOfWeek;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;
import java.util.Locale;
import java.util.Map;

/**
 * A standard 5-field cron schedule (robfig/cron's standard parser, as CronJob uses): minute hour day-of-month month
 * day-of-week with {@code *}, lists, ranges, steps, month/day names, {@code ?}, the macros @yearly @annually @monthly
 * @weekly @daily @midnight @hourly, and a {@code CRON_TZ=}/{@code TZ=} prefix. As in cron, when both day fields are
 * restricted a day matches if either does.
 */
public record CronSchedule(BitSet minutes, BitSet hours, BitSet doms, BitSet months, BitSet dows, boolean domStar, boolean dowStar, ZoneId zone) {
    private static final Map<String, String> MACROS = Map.of("@yearly", "0 0 1 1 *", "@annually", "0 0 1 1 *", "@monthly", "0 0 1 * *",
            "@weekly", "0 0 * * 0", "@daily", "0 0 * * *", "@midnight", "0 0 * * *", "@hourly", "0 * * * *");
    private static final String[] MONTHS = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
    private static final String[] DAYS = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

    public static CronSchedule parse(String spec, String timeZone) {
        String s = spec.trim();
        ZoneId zone = timeZone == null || timeZone.isEmpty() ? ZoneId.of("UTC") : ZoneId.of(timeZone);
        if (s.startsWith("CRON_TZ=") || s.startsWith("TZ=")) {
            int sp = s.indexOf(' ');
            zone = ZoneId.of(s.substring(s.indexOf('=') + 1, sp));
            s = s.substring(sp + 1).trim();
        }
        s = MACROS.getOrDefault(s.toLowerCase(Locale.ROOT), s);
        String[] f = s.split("\\s+");
        if (f.length != 5) throw new IllegalArgumentException("expected exactly 5 fields, found " + f.length + ": " + spec);
        return new CronSchedule(field(f[0], 0, 59, null), field(f[1], 0, 23, null), field(f[2], 1, 31, null), field(f[3], 1, 12, MONTHS),
                field(f[4], 0, 7, DAYS), f[2].equals("*") || f[2].equals("?"), f[4].equals("*") || f[4].equals("?"), zone);
    }

    private static BitSet field(String f, int min, int max, String[] names) {
        BitSet b = new BitSet();
        for (String part : f.split(",")) {
            int step = 1;
            String range = part;
            int slash = part.indexOf('/');
            if (slash >= 0) {
                step = Integer.parseInt(part.substring(slash + 1));
                range = part.substring(0, slash);
                if (step <= 0) throw new IllegalArgumentException("step must be positive: " + part);
            }
            int lo, hi;
            if (range.equals("*") || range.equals("?")) {
                lo = min;
                hi = max;
            } else {
                int dash = range.indexOf('-');
                lo = value(dash >= 0 ? range.substring(0, dash) : range, names, min);
                hi = dash >= 0 ? value(range.substring(dash + 1), names, min) : (slash >= 0 ? max : lo);
            }
            if (lo < min || hi > max || lo > hi) throw new IllegalArgumentException("out of range: " + part);
            for (int i = lo; i <= hi; i += step) b.set(i);
        }
        if (max == 7 && b.get(7)) b.set(0); // 7 is Sunday too
        return b;
    }

    private static int value(String v, String[] names, int min) {
        if (names != null)
            for (int i = 0; i < names.length; i++) if (names[i].equalsIgnoreCase(v)) return i + (min == 1 ? 1 : 0);
        return Integer.parseInt(v);
    }

    boolean matches(ZonedDateTime t) {
        if (!minutes.get(t.getMinute()) || !hours.get(t.getHour()) || !months.get(t.getMonthValue())) return false;
        boolean dom = doms.get(t.getDayOfMonth());
        boolean dow = dows.get(t.getDayOfWeek() == DayOfWeek.SUNDAY ? 0 : t.getDayOfWeek().getValue());
        if (domStar || dowStar) return dom && dow;
        return dom || dow;
    }

    /** The first scheduled time strictly after t, or null within the next 5 years. */
    public ZonedDateTime next(ZonedDateTime t) {
        ZonedDateTime c = t.withZoneSameInstant(zone).truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
        ZonedDateTime limit = c.plusYears(5);
        while (c.isBefore(limit)) {
            if (!months.get(c.getMonthValue())) {
                c = c.plusMonths(1).withDayOfMonth(1).withHour(0).withMinute(0);
                continue;
            }
            if (!matchesDay(c)) {
                c = c.plusDays(1).withHour(0).withMinute(0);
                continue;
            }
            if (!hours.get(c.getHour())) {
                c = c.plusHours(1).withMinute(0);
                continue;
            }
            if (!minutes.get(c.getMinute())) {
                c = c.plusMinutes(1);
                continue;
            }
            return c;
        }
        return null;
    }

    private boolean matchesDay(ZonedDateTime t) {
        boolean dom = doms.get(t.getDayOfMonth());
        boolean dow = dows.get(t.getDayOfWeek() == DayOfWeek.SUNDAY ? 0 : t.getDayOfWeek().getValue());
        if (domStar || dowStar) return dom && dow;
        return dom || dow;
    }
}
