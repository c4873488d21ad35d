package io.wharf.engine;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;

/** Docker's wire spellings of times and durations. */
final class Wire {
    private Wire() {}

    static final String ZERO_TIME = "0001-01-01T00:00:00Z";

    /** RFC 3339 with nanoseconds, as Go's time.RFC3339Nano (trailing zeros trimmed); Go's zero time for null. */
    static String time(Instant t) {
        if (t == null) return ZERO_TIME;
        String s = DateTimeFormatter.ISO_INSTANT.format(t);
        if (s.contains(".")) {
            int z = s.length() - 1; // 'Z'
            int end = z;
            while (s.charAt(end - 1) == '0') end--;
            if (s.charAt(end - 1) == '.') end--;
            s = s.substring(0, end) + "Z";
        }
        return s;
    }

    /** moby's units.HumanDuration ("Less than a second", "5 seconds", "About a minute", "3 hours"...). */
    static String humanDuration(Duration d) {
        long secs = d.toSeconds();
        if (secs < 1) return "Less than a second";
        if (secs == 1) return "1 second";
        if (secs < 60) return secs + " seconds";
        long mins = d.toMinutes();
        if (mins == 1) return "About a minute";
        if (mins < 60) return mins + " minutes";
        long hours = Math.round(d.toMinutes() / 60.0);
        if (hours == 1) return "About an hour";
        if (hours < 48) return hours + " hours";
        if (hours < 24 * 7 * 2) return hours / 24 + " days";
        if (hours < 24 * 30 * 2) return hours / 24 / 7 + " weeks";
        if (hours < 24 * 365 * 2) return hours / 24 / 30 + " months";
        return hours / 24 / 365 + " years";
    }
}
