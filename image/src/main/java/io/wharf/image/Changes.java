package io.wharf.image;

import io.wharf.common.Json;
import io.wharf.common.WharfException;
import io.wharf.oci.ImageConfig;
import io.wharf.oci.ImageConfig.ContainerConfig;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Applies Dockerfile instructions to a container config, for {@code docker import --change} and
 * {@code docker commit --change}. Docker accepts CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL, ONBUILD,
 * STOPSIGNAL, USER, VOLUME and WORKDIR there; HEALTHCHECK takes only {@code NONE} or {@code CMD…} without options here.
 */
public final class Changes {
    private Changes() {}

    private static final List<String> DEFAULT_SHELL = List.of("/bin/sh", "-c");

    /** Applies {@code changes} (one instruction per element; newlines split further) to {@code base}. */
    public static ContainerConfig apply(ContainerConfig base, List<String> changes) {
        ContainerConfig c = base == null ? ContainerConfig.EMPTY : base;
        for (String raw : changes) {
            for (String line : raw.split("\n")) {
                line = line.strip();
                if (line.isEmpty() || line.startsWith("#")) continue;
                c = applyOne(c, line);
            }
        }
        return c;
    }

    private static ContainerConfig applyOne(ContainerConfig c, String line) {
        int sp = indexOfSpace(line);
        String instr = (sp < 0 ? line : line.substring(0, sp)).toUpperCase(Locale.ROOT);
        String args = sp < 0 ? "" : line.substring(sp + 1).strip();
        return switch (instr) {
            case "CMD" -> c.withCmd(commandForm(args, c));
            case "ENTRYPOINT" -> c.withEntrypoint(commandForm(args, c));
            case "ENV" -> c.withEnv(mergeEnv(c.env(), pairs(args, "ENV")));
            case "LABEL" -> {
                Map<String, String> l = c.labels() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(c.labels());
                l.putAll(pairs(args, "LABEL"));
                yield c.withLabels(l);
            }
            case "EXPOSE" -> {
                Map<String, Object> p = c.exposedPorts() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(c.exposedPorts());
                for (String port : words(args)) {
                    String pp = port.contains("/") ? port.toLowerCase(Locale.ROOT) : port + "/tcp";
                    if (!pp.matches("[0-9]+(-[0-9]+)?/(tcp|udp|sctp)")) throw WharfException.invalid("invalid containerPort: %s", port);
                    p.put(pp, Map.of());
                }
                yield c.withExposedPorts(p);
            }
            case "USER" -> c.withUser(requireArg(args, instr));
            case "WORKDIR" -> {
                String w = requireArg(args, instr);
                if (!w.startsWith("/")) w = (c.workingDir() == null || c.workingDir().isEmpty() ? "/" : c.workingDir() + "/") + w;
                yield c.withWorkingDir(java.nio.file.Path.of(w).normalize().toString());
            }
            case "VOLUME" -> {
                Map<String, Object> v = c.volumes() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(c.volumes());
                List<String> vols = args.startsWith("[") ? jsonArray(args) : words(args);
                for (String s : vols) v.put(s, Map.of());
                yield c.withVolumes(v);
            }
            case "STOPSIGNAL" -> c.withStopSignal(requireArg(args, instr));
            case "ONBUILD" -> {
                List<String> o = c.onBuild() == null ? new ArrayList<>() : new ArrayList<>(c.onBuild());
                o.add(requireArg(args, instr));
                yield c.withOnBuild(o);
            }
            case "HEALTHCHECK" -> {
                if (args.equalsIgnoreCase("NONE")) yield c.withHealthcheck(new ImageConfig.Healthcheck(List.of("NONE"), 0, 0, 0, 0, 0));
                if (!args.toUpperCase(Locale.ROOT).startsWith("CMD")) throw WharfException.invalid("HEALTHCHECK: only NONE or CMD are supported here");
                String cmd = args.substring(3).strip();
                List<String> test = new ArrayList<>();
                if (cmd.startsWith("[")) {
                    test.add("CMD");
                    test.addAll(jsonArray(cmd));
                } else {
                    test.add("CMD-SHELL");
                    test.add(cmd);
                }
                yield c.withHealthcheck(new ImageConfig.Healthcheck(test, 0, 0, 0, 0, 0));
            }
            default -> throw WharfException.invalid("%s is not a valid change command", instr);
        };
    }

    private static int indexOfSpace(String s) {
        for (int i = 0; i < s.length(); i++) if (Character.isWhitespace(s.charAt(i))) return i;
        return -1;
    }

    private static String requireArg(String args, String instr) {
        if (args.isEmpty()) throw WharfException.invalid("%s requires exactly one argument", instr);
        return args;
    }

    /** Exec form {@code ["a","b"]} or shell form (wrapped in the config's SHELL, else {@code /bin/sh -c}). */
    public static List<String> commandForm(String args, ContainerConfig c) {
        if (args.startsWith("[")) {
            try {
                return jsonArray(args);
            } catch (WharfException e) {
                // not JSON: docker falls back to the shell form
            }
        }
        List<String> out = new ArrayList<>(c == null || c.shell() == null || c.shell().isEmpty() ? DEFAULT_SHELL : c.shell());
        out.add(args);
        return out;
    }

    static List<String> jsonArray(String s) {
        String[] a = Json.parse(s.getBytes(StandardCharsets.UTF_8), String[].class);
        if (a == null) throw WharfException.invalid("expected a JSON array: %s", s);
        return List.of(a);
    }

    private static List<String> mergeEnv(List<String> env, Map<String, String> add) {
        List<String> out = env == null ? new ArrayList<>() : new ArrayList<>(env);
        for (var e : add.entrySet()) {
            out.removeIf(s -> s.equals(e.getKey()) || s.startsWith(e.getKey() + "="));
            out.add(e.getKey() + "=" + e.getValue());
        }
        return out;
    }

    /** {@code k=v k2="v 2"} or the legacy {@code k v with spaces}. */
    static Map<String, String> pairs(String args, String instr) {
        Map<String, String> out = new LinkedHashMap<>();
        List<String> w = words(args);
        if (w.isEmpty()) throw WharfException.invalid("%s requires at least one argument", instr);
        if (!w.getFirst().contains("=")) {
            int sp = indexOfSpace(args);
            if (sp < 0) throw WharfException.invalid("%s names can not be blank", instr);
            out.put(args.substring(0, sp), unquote(args.substring(sp + 1).strip()));
            return out;
        }
        for (String kv : w) {
            int eq = kv.indexOf('=');
            if (eq <= 0) throw WharfException.invalid("%s names can not be blank", instr);
            out.put(unquote(kv.substring(0, eq)), unquote(kv.substring(eq + 1)));
        }
        return out;
    }

    /** Splits on whitespace outside quotes, keeping the quotes (removed later by {@link #unquote}). */
    static List<String> words(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        char quote = 0;
        boolean any = false;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (quote != 0) {
                if (ch == '\\' && quote == '"' && i + 1 < s.length()) {
                    cur.append(ch).append(s.charAt(++i));
                    continue;
                }
                if (ch == quote) quote = 0;
                cur.append(ch);
            } else if (ch == '"' || ch == '\'') {
                quote = ch;
                cur.append(ch);
                any = true;
            } else if (Character.isWhitespace(ch)) {
                if (any || !cur.isEmpty()) out.add(cur.toString());
                cur.setLength(0);
                any = false;
            } else if (ch == '\\' && i + 1 < s.length()) {
                cur.append(ch).append(s.charAt(++i));
            } else {
                cur.append(ch);
            }
        }
        if (any || !cur.isEmpty()) out.add(cur.toString());
        return out;
    }

    static String unquote(String s) {
        StringBuilder out = new StringBuilder();
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (quote == 0 && (ch == '"' || ch == '\'')) {
                quote = ch;
            } else if (quote != 0 && ch == quote) {
                quote = 0;
            } else if (ch == '\\' && quote != '\'' && i + 1 < s.length()) {
                out.append(s.charAt(++i));
            } else {
                out.append(ch);
            }
        }
        return out.toString();
    }
}
