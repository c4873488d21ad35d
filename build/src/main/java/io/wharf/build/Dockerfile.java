package io.wharf.build;

import io.wharf.build.Instruction.*;
import io.wharf.common.Json;
import io.wharf.common.WharfException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed Dockerfile, after BuildKit's {@code frontend/dockerfile/parser} and {@code instructions}: parser
 * directives ({@code # syntax=}, {@code # escape=}) only before the first other line; comment lines (first
 * non-blank character {@code #}) dropped even inside a continuation; a line ending in the escape character (plus
 * trailing blanks) continues on the next; blank lines inside a continuation skipped. Errors are INVALID_ARGUMENT
 * "dockerfile parse error line N: ..." (the classic builder's wording).
 *
 * <p>Heredocs ({@code RUN <<EOF}) are a BuildKit-only feature the classic builder rejects; not supported here either.
 *
 * @param directives lower-case directive name → value
 * @param escape     the escape character ({@code \} or {@code `})
 */
public record Dockerfile(Map<String, String> directives, char escape, List<Instruction> instructions) {
    private static final Pattern DIRECTIVE = Pattern.compile("^#\\s*([a-zA-Z][a-zA-Z0-9]*)\\s*=\\s*(.+?)\\s*$");
    private static final Pattern HEREDOC = Pattern.compile("(?<!<)<<(-?)([\"']?)([A-Za-z_][A-Za-z0-9_]*)\\2(?!<)");
    private static final Pattern FLAG = Pattern.compile("^--([a-zA-Z][a-zA-Z0-9-]*)(?:=(.*))?$");

    public Dockerfile {
        directives = Map.copyOf(directives);
        instructions = List.copyOf(instructions);
    }

    public static Dockerfile parse(byte[] bytes) {
        return parse(new String(bytes, StandardCharsets.UTF_8));
    }

    public static Dockerfile parse(String text) {
        if (text.startsWith("\uFEFF")) text = text.substring(1);
        String[] lines = text.split("\r?\n", -1);
        Map<String, String> directives = new LinkedHashMap<>();
        char escape = '\\';
        int i = 0;
        // directives
        for (; i < lines.length; i++) {
            Matcher m = DIRECTIVE.matcher(lines[i]);
            if (!m.matches()) break;
            String name = m.group(1).toLowerCase(Locale.ROOT);
            if (!name.equals("syntax") && !name.equals("escape") && !name.equals("check")) break; // an ordinary comment
            if (directives.containsKey(name)) throw err(i + 1, "only one " + name + " parser directive can be used");
            directives.put(name, m.group(2));
            if (name.equals("escape")) {
                String v = m.group(2);
                if (!v.equals("\\") && !v.equals("`")) throw err(i + 1, "invalid escape token '" + v + "' does not match ` or \\");
                escape = v.charAt(0);
            }
        }
        Pattern continuation = Pattern.compile(Pattern.quote(String.valueOf(escape)) + "[ \\t]*$");
        List<Instruction> out = new ArrayList<>();
        for (; i < lines.length; i++) {
            String line = lines[i];
            if (isCommentOrBlank(line)) continue;
            int start = i + 1;
            StringBuilder joined = new StringBuilder();
            String cur = line;
            while (true) {
                Matcher c = continuation.matcher(cur);
                if (c.find()) {
                    joined.append(cur, 0, c.start());
                    // next non-comment, non-blank line continues this one
                    i++;
                    while (i < lines.length && isCommentOrBlank(lines[i])) i++;
                    if (i >= lines.length) break;
                    cur = lines[i];
                } else {
                    joined.append(cur);
                    break;
                }
            }
            String original = joined.toString().strip();
            if (original.isEmpty()) continue;
            // heredocs (RUN <<EOF, COPY <<EOF /file): their bodies follow the instruction line
            Map<String, String> docs = new LinkedHashMap<>();
            String kw0 = original.split("\\s+", 2)[0].toUpperCase(Locale.ROOT);
            if (kw0.equals("RUN") || kw0.equals("COPY") || kw0.equals("ADD")) {
                Matcher hm = HEREDOC.matcher(original);
                while (hm.find()) {
                    String word = hm.group(3);
                    boolean chomp = !hm.group(1).isEmpty();
                    StringBuilder body = new StringBuilder();
                    boolean ended = false;
                    while (++i < lines.length) {
                        String l = chomp ? lines[i].replaceFirst("^\t+", "") : lines[i];
                        if (l.equals(word)) {
                            ended = true;
                            break;
                        }
                        body.append(l).append('\n');
                    }
                    if (!ended) throw err(start, "unterminated heredoc " + word);
                    docs.put(word, body.toString());
                }
            }
            out.add(parseInstruction(start, original, escape, false, docs));
        }
        return new Dockerfile(directives, escape, out);
    }

    private static boolean isCommentOrBlank(String line) {
        String t = line.stripLeading();
        return t.isEmpty() || t.startsWith("#");
    }

    static WharfException err(int line, String msg) {
        return WharfException.invalid("dockerfile parse error line %d: %s", line, msg);
    }

    /** Parses one instruction line; also used for ONBUILD triggers at dispatch. */
    public static Instruction parseInstruction(int line, String original, char escape, boolean inOnBuild) {
        return parseInstruction(line, original, escape, inOnBuild, Map.of());
    }

    static Instruction parseInstruction(int line, String original, char escape, boolean inOnBuild, Map<String, String> docs) {
        int sp = indexOfWhitespace(original);
        String kw = (sp < 0 ? original : original.substring(0, sp)).toUpperCase(Locale.ROOT);
        String rest = sp < 0 ? "" : original.substring(sp).strip();
        Map<String, String> flags = new LinkedHashMap<>();
        if (List.of("FROM", "COPY", "ADD", "RUN", "HEALTHCHECK").contains(kw)) {
            while (rest.startsWith("--")) {
                int e = indexOfWhitespace(rest);
                String f = e < 0 ? rest : rest.substring(0, e);
                Matcher fm = FLAG.matcher(f);
                if (!fm.matches()) break;
                flags.put(fm.group(1).toLowerCase(Locale.ROOT), fm.group(2) == null ? "" : fm.group(2));
                rest = e < 0 ? "" : rest.substring(e).strip();
            }
        }
        Instruction ins = switch (kw) {
            case "FROM" -> {
                checkFlags(line, kw, flags, "platform");
                List<String> w = splitWhitespace(rest);
                if (w.size() != 1 && w.size() != 3) throw err(line, "FROM requires either one or three arguments");
                String name = null;
                if (w.size() == 3) {
                    if (!w.get(1).equalsIgnoreCase("AS")) throw err(line, "FROM requires either one or three arguments");
                    name = w.get(2).toLowerCase(Locale.ROOT);
                    if (!name.matches("[a-z][a-z0-9-_.]*")) throw err(line, "invalid name for build stage: \"" + w.get(2) + "\", name can't start with a number or contain symbols");
                }
                yield new From(line, original, w.get(0), name, flags.get("platform"));
            }
            case "RUN" -> {
                for (String f : flags.keySet()) {
                    if (List.of("mount", "network", "security").contains(f)) throw err(line, "the --" + f + " option requires BuildKit. Refer to https://docs.docker.com/go/buildkit/ to learn how to build images with BuildKit enabled");
                }
                checkFlags(line, kw, flags);
                if (!docs.isEmpty()) yield new Run(line, original, heredocCommand(rest, docs));
                yield new Run(line, original, command(rest, escape));
            }
            case "CMD" -> new Cmd(line, original, command(rest, escape));
            case "ENTRYPOINT" -> new Entrypoint(line, original, command(rest, escape));
            case "SHELL" -> {
                List<String> j = jsonArray(rest);
                if (j == null) throw err(line, "SHELL requires the arguments to be in JSON form");
                if (j.isEmpty()) throw err(line, "SHELL requires at least one argument");
                yield new Shell(line, original, j);
            }
            case "LABEL" -> {
                List<KeyValue> kv = nameVal(line, kw, rest, escape, false);
                yield new Label(line, original, kv);
            }
            case "ENV" -> new Env(line, original, nameVal(line, kw, rest, escape, true));
            case "MAINTAINER" -> {
                if (rest.isEmpty()) throw err(line, "MAINTAINER requires exactly one argument");
                yield new Maintainer(line, original, rest);
            }
            case "EXPOSE" -> {
                if (rest.isEmpty()) throw err(line, "EXPOSE requires at least one argument");
                yield new Expose(line, original, splitWhitespace(rest));
            }
            case "VOLUME" -> {
                List<String> j = jsonArray(rest);
                List<String> v = j != null ? j : splitWhitespace(rest);
                if (v.isEmpty()) throw err(line, "VOLUME requires at least one argument");
                yield new Volume(line, original, v);
            }
            case "USER" -> {
                if (rest.isEmpty()) throw err(line, "USER requires exactly one argument");
                yield new User(line, original, rest);
            }
            case "WORKDIR" -> {
                if (rest.isEmpty()) throw err(line, "WORKDIR requires exactly one argument");
                yield new Workdir(line, original, rest);
            }
            case "STOPSIGNAL" -> {
                if (rest.isEmpty() || splitWhitespace(rest).size() != 1) throw err(line, "STOPSIGNAL requires exactly one argument");
                yield new StopSignal(line, original, rest);
            }
            case "COPY", "ADD" -> {
                boolean add = kw.equals("ADD");
                for (String f : flags.keySet()) {
                    if (List.of("link", "parents", "exclude", "checksum", "keep-git-dir").contains(f)) {
                        throw err(line, "the --" + f + " option requires BuildKit. Refer to https://docs.docker.com/go/buildkit/ to learn how to build images with BuildKit enabled");
                    }
                }
                if (add) checkFlags(line, kw, flags, "chown", "chmod");
                else checkFlags(line, kw, flags, "from", "chown", "chmod");
                List<String> j = jsonArray(rest);
                List<String> w = j != null ? j : splitWhitespace(rest);
                if (w.size() < 2) {
                    throw err(line, kw + " requires at least two arguments, but only " + (w.isEmpty() ? "zero were" : "one was") + " provided. Destination could not be determined.");
                }
                Map<String, String> inline = new LinkedHashMap<>();
                List<String> sources = new ArrayList<>();
                for (String src : w.subList(0, w.size() - 1)) {
                    Matcher hm = HEREDOC.matcher(src);
                    if (hm.matches() && docs.containsKey(hm.group(3))) {
                        inline.put(hm.group(3), docs.get(hm.group(3)));
                        sources.add("<<" + hm.group(3));
                    } else {
                        sources.add(src);
                    }
                }
                yield new Copy(line, original, add, sources, w.getLast(), flags.get("from"), flags.get("chown"), flags.get("chmod"), inline);
            }
            case "ARG" -> {
                List<String> w = splitWords(rest, escape);
                if (w.isEmpty()) throw err(line, "ARG requires at least one argument");
                List<KeyValue> kvs = new ArrayList<>();
                for (String a : w) {
                    int eq = a.indexOf('=');
                    String k = eq < 0 ? a : a.substring(0, eq);
                    if (k.isEmpty()) throw err(line, "ARG names can not be blank");
                    kvs.add(new KeyValue(k, eq < 0 ? null : a.substring(eq + 1)));
                }
                yield new Arg(line, original, kvs);
            }
            case "ONBUILD" -> {
                if (inOnBuild) throw err(line, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
                if (rest.isEmpty()) throw err(line, "ONBUILD requires at least one argument");
                Instruction trigger = parseInstruction(line, rest, escape, true);
                if (trigger instanceof From || trigger instanceof Maintainer) {
                    throw err(line, trigger.keyword() + " isn't allowed as an ONBUILD trigger");
                }
                // the config stores the trigger with its keyword upper-cased, as docker does
                int s2 = indexOfWhitespace(rest);
                String text = trigger.keyword() + (s2 < 0 ? "" : rest.substring(s2));
                yield new OnBuild(line, original, text);
            }
            case "HEALTHCHECK" -> healthcheck(line, original, rest, flags, escape);
            default -> throw err(line, "unknown instruction: " + (sp < 0 ? original : original.substring(0, sp)));
        };
        return ins;
    }

    private static void checkFlags(int line, String kw, Map<String, String> flags, String... allowed) {
        for (String f : flags.keySet()) {
            if (!List.of(allowed).contains(f)) throw err(line, "Unknown flag: " + f);
        }
    }

    private static Healthcheck healthcheck(int line, String original, String rest, Map<String, String> flags, char escape) {
        List<String> w = splitWhitespace(rest);
        if (w.isEmpty()) throw err(line, "HEALTHCHECK requires an argument");
        String type = w.getFirst().toUpperCase(Locale.ROOT);
        if (type.equals("NONE")) {
            if (w.size() > 1 || !flags.isEmpty()) throw err(line, "HEALTHCHECK NONE takes no arguments");
            return new Healthcheck(line, original, null, 0, 0, 0, 0, 0);
        }
        if (!type.equals("CMD")) throw err(line, "Unknown type \"" + w.getFirst() + "\" in HEALTHCHECK (try CMD)");
        checkFlags(line, "HEALTHCHECK", flags, "interval", "timeout", "start-period", "start-interval", "retries");
        String cmd = rest.substring(w.getFirst().length()).strip();
        if (cmd.isEmpty()) throw err(line, "Missing command after HEALTHCHECK CMD");
        long interval = duration(line, "interval", flags.get("interval"));
        long timeout = duration(line, "timeout", flags.get("timeout"));
        long start = duration(line, "start-period", flags.get("start-period"));
        long startInterval = duration(line, "start-interval", flags.get("start-interval"));
        int retries = 0;
        if (flags.get("retries") != null) {
            try {
                retries = Integer.parseInt(flags.get("retries"));
            } catch (NumberFormatException e) {
                throw err(line, "invalid --retries value: " + flags.get("retries"));
            }
            if (retries < 0) throw err(line, "--retries cannot be negative (" + retries + ")");
        }
        return new Healthcheck(line, original, command(cmd, escape), interval, timeout, start, startInterval, retries);
    }

    /** Go time.ParseDuration subset (h, m, s, ms, us, ns; decimals), in nanoseconds; 0 when absent. */
    static long duration(int line, String flag, String v) {
        if (v == null || v.isEmpty()) return 0;
        Matcher m = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)").matcher(v);
        long total = 0;
        int pos = 0;
        while (m.find()) {
            if (m.start() != pos) throw err(line, "invalid --" + flag + " duration: " + v);
            double n = Double.parseDouble(m.group(1));
            long unit = switch (m.group(2)) {
                case "ns" -> 1L;
                case "us", "µs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                default -> 3_600_000_000_000L;
            };
            total += (long) (n * unit);
            pos = m.end();
        }
        if (pos != v.length() || pos == 0) throw err(line, "invalid --" + flag + " duration: " + v);
        if (total != 0 && total < 1_000_000) throw err(line, "Interval \"" + flag + "\" cannot be less than 1ms");
        return total;
    }

    /**
     * RUN with heredocs, as BuildKit: {@code RUN <<EOF} alone runs the body as the script; otherwise the command line
     * and the bodies (each with its terminator) go to the shell, which reads the heredocs itself.
     */
    static Command heredocCommand(String rest, Map<String, String> docs) {
        Matcher m = HEREDOC.matcher(rest.strip());
        if (docs.size() == 1 && m.matches()) return Command.shell(docs.values().iterator().next());
        StringBuilder b = new StringBuilder(rest);
        docs.forEach((word, body) -> b.append('\n').append(body).append(word));
        return Command.shell(b.toString());
    }

    /** Exec form when the args are a JSON array of strings, else shell form (BuildKit falls back silently). */
    static Command command(String rest, char escape) {
        List<String> j = jsonArray(rest);
        if (j != null) return new Command(j, true);
        return Command.shell(rest);
    }

    static List<String> jsonArray(String s) {
        String t = s.strip();
        if (!t.startsWith("[") || !t.endsWith("]")) return null;
        try {
            // strict: every element must be a JSON string (Jackson would coerce 1 to "1")
            com.fasterxml.jackson.databind.JsonNode n = Json.MAPPER.readTree(t);
            if (n == null || !n.isArray()) return null;
            List<String> out = new ArrayList<>();
            for (com.fasterxml.jackson.databind.JsonNode x : n) {
                if (!x.isTextual()) return null;
                out.add(x.asText());
            }
            return out;
        } catch (Exception e) {
            return null;
        }
    }

    /** ENV/LABEL: {@code k=v ...} words (quotes kept), or the legacy {@code k value with spaces} form. */
    private static List<KeyValue> nameVal(int line, String kw, String rest, char escape, boolean legacyAllowed) {
        List<String> words = splitWords(rest, escape);
        if (words.isEmpty()) throw err(line, kw + " requires at least one argument");
        List<KeyValue> out = new ArrayList<>();
        if (!words.getFirst().contains("=")) {
            // legacy form: the first word is the key, the rest of the line the value
            if (words.size() < 2) throw err(line, kw + " must have two arguments");
            String key = words.getFirst();
            String value = rest.substring(rest.indexOf(key) + key.length()).strip();
            out.add(new KeyValue(key, value));
            return out;
        }
        for (String w : words) {
            int eq = w.indexOf('=');
            if (eq < 0) throw err(line, "Syntax error - can't find = in \"" + w + "\". Must be of the form: name=value");
            if (eq == 0) throw err(line, kw + " names can not be blank");
            out.add(new KeyValue(w.substring(0, eq), w.substring(eq + 1)));
        }
        return out;
    }

    /**
     * BuildKit's parseWords: splits on whitespace outside quotes, keeping quotes and escapes in the words (they are
     * removed later by {@link ShellLex#processWord}).
     */
    static List<String> splitWords(String s, char escape) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        char quote = 0;
        boolean blankOk = false;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (quote == 0 && Character.isWhitespace(ch)) {
                if (blankOk || !cur.isEmpty()) out.add(cur.toString());
                cur.setLength(0);
                blankOk = false;
                continue;
            }
            if (ch == escape && i + 1 < s.length() && quote != '\'') {
                cur.append(ch).append(s.charAt(++i));
                continue;
            }
            if (quote == 0 && (ch == '"' || ch == '\'')) {
                quote = ch;
                blankOk = true;
            } else if (quote != 0 && ch == quote) {
                quote = 0;
            }
            cur.append(ch);
        }
        if (blankOk || !cur.isEmpty()) out.add(cur.toString());
        return out;
    }

    static List<String> splitWhitespace(String s) {
        List<String> out = new ArrayList<>();
        for (String w : s.strip().split("\\s+")) if (!w.isEmpty()) out.add(w);
        return out;
    }

    private static int indexOfWhitespace(String s) {
        for (int i = 0; i < s.length(); i++) if (Character.isWhitespace(s.charAt(i))) return i;
        return -1;
    }

    /**
     * Splits into meta ARGs (before the first FROM) and stages. INVALID_ARGUMENT when there is no FROM or a
     * non-ARG instruction precedes it.
     */
    public Stages stages() {
        List<Arg> meta = new ArrayList<>();
        List<Stage> stages = new ArrayList<>();
        From from = null;
        List<Instruction> body = new ArrayList<>();
        for (Instruction ins : instructions) {
            if (ins instanceof From f) {
                if (from != null) stages.add(new Stage(stages.size(), from, body));
                from = f;
                body = new ArrayList<>();
            } else if (from == null) {
                if (ins instanceof Arg a) meta.add(a);
                else throw err(ins.line(), "no build stage in current context (the first instruction must be FROM; " + ins.keyword() + " found)");
            } else {
                body.add(ins);
            }
        }
        if (from == null) {
            throw WharfException.invalid("dockerfile parse error: no build stage in current context (the Dockerfile has no FROM instruction)");
        }
        stages.add(new Stage(stages.size(), from, body));
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Stage s : stages) {
            if (s.name() != null && !names.add(s.name())) throw err(s.from().line(), "duplicate name " + s.name());
        }
        return new Stages(meta, stages);
    }
}
