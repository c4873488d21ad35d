package io.wharf.bench;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** {@code --name value} pairs (and bare {@code --flag} = "true"); unknown names are rejected so typos fail loudly. */
final class Args {
    private final Map<String, String> values = new HashMap<>();
    private final Map<String, String> used = new HashMap<>();

    Args(String[] argv) {
        for (int i = 0; i < argv.length; i++) {
            if (!argv[i].startsWith("--")) throw new IllegalArgumentException("expected --name, got " + argv[i]);
            String name = argv[i].substring(2);
            if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) values.put(name, argv[++i]);
            else values.put(name, "true");
        }
    }

    String str(String name, String def) {
        String v = values.getOrDefault(name, def);
        used.put(name, v);
        if (v == null) throw new IllegalArgumentException("--" + name + " is required");
        return v;
    }

    int integer(String name, int def) {
        return Integer.parseInt(str(name, Integer.toString(def)));
    }

    boolean flag(String name) {
        return Boolean.parseBoolean(str(name, "false"));
    }

    /** Seconds, possibly fractional. */
    Duration seconds(String name, double def) {
        return Duration.ofMillis((long) (Double.parseDouble(str(name, Double.toString(def))) * 1000));
    }

    /** Fails on names no one asked for. Call after reading every option. */
    void done() {
        for (String k : values.keySet()) if (!used.containsKey(k)) throw new IllegalArgumentException("unknown option --" + k);
    }
}
