package io.wharf.apiserver.kinds;

import java.util.Map;

/**
 * CronJob schedule syntax as the API server checks it (robfig/cron/v3 ParseStandard): five fields or a descriptor.
 * Returns the parser's error text, which Kubernetes puts in the Invalid message, or null when valid.
 */
public final class Cron {
    private Cron() {}

    private static final int[][] BOUNDS = {{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 6}};
    private static final Map<String, Integer> MONTHS = Map.ofEntries(Map.entry("jan", 1), Map.entry("feb", 2), Map.entry("mar", 3),
            Map.entry("apr", 4), Map.entry("may", 5), Map.entry("jun", 6), Map.entry("jul", 7), Map.entry("aug", 8), Map.entry("sep", 9),
            Map.entry("oct", 10), Map.entry("nov", 11), Map.entry("dec", 12));
    private static final Map<String, Integer> DAYS = Map.of("sun", 0, "mon", 1, "tue", 2, "wed", 3, "thu", 4, "fri", 5, "sat", 6);

    public static String validate(String spec) {
        String s = spec.trim();
        if (s.startsWith("TZ=") || s.startsWith("CRON_TZ=")) return "cannot use TZ or CRON_TZ in schedule, use timeZone field instead";
        if (s.startsWith("@")) {
            if (s.startsWith("@every ")) {
                String d = s.substring(7).trim();
                if (!d.matches("^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$")) return "failed to parse duration " + s + ": time: invalid duration \"" + d + "\"";
                return null;
            }
            return switch (s) {
                case "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly" -> null;
                default -> "unrecognized descriptor: " + s;
            };
        }
        String[] fields = s.isEmpty() ? new String[0] : s.split("\\s+");
        if (fields.length != 5) return "expected exactly 5 fields, found " + fields.length + ": " + s;
        for (int i = 0; i < 5; i++) {
            String err = field(fields[i], BOUNDS[i][0], BOUNDS[i][1], i == 3 ? MONTHS : i == 4 ? DAYS : Map.of());
            if (err != null) return err;
        }
        return null;
    }

    private static String field(String f, int min, int max, Map<String, Integer> names) {
        for (String expr : f.split(",", -1)) {
            String rangeAndStep[] = expr.split("/", -1);
            if (rangeAndStep.length > 2) return "too many slashes: " + expr;
            String[] lowAndHigh = rangeAndStep[0].split("-", -1);
            int start, end;
            if (lowAndHigh[0].equals("*") || lowAndHigh[0].equals("?")) {
                if (lowAndHigh.length > 1) return "too many hyphens: " + expr;
                start = min;
                end = max;
            } else {
                if (lowAndHigh.length > 2) return "too many hyphens: " + expr;
                Integer a = value(lowAndHigh[0], names);
                if (a == null) return atoiError(lowAndHigh[0]);
                start = a;
                if (lowAndHigh.length == 2) {
                    Integer b = value(lowAndHigh[1], names);
                    if (b == null) return atoiError(lowAndHigh[1]);
                    end = b;
                } else end = start;
            }
            if (rangeAndStep.length == 2) {
                Integer step = value(rangeAndStep[1], Map.of());
                if (step == null) return atoiError(rangeAndStep[1]);
                if (step <= 0) return "step of range should be a positive number: " + expr;
            }
            if (start < min) return "beginning of range (" + start + ") below minimum (" + min + "): " + expr;
            if (end > max) return "end of range (" + end + ") above maximum (" + max + "): " + expr;
            if (start > end) return "beginning of range (" + start + ") beyond end of range (" + end + "): " + expr;
        }
        return null;
    }

    private static Integer value(String s, Map<String, Integer> names) {
        Integer n = names.get(s.toLowerCase());
        if (n != null) return n;
        if (!s.matches("^[0-9]+$")) return null;
        try { return Integer.parseInt(s); } catch (NumberFormatException e) { return null; }
    }

    private static String atoiError(String s) {
        return "failed to parse int from " + s + ": strconv.Atoi: parsing \"" + s + "\": invalid syntax";
    }
}
