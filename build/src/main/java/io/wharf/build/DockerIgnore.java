package io.wharf.build;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code .dockerignore} rules, after moby's patternmatcher (what the docker CLI applies when it sends the context, and
 * what the classic builder applies again on the daemon side): one pattern per line, {@code #} comments, blank lines
 * ignored, each pattern cleaned like Go's {@code filepath.Clean} with a leading {@code /} dropped; {@code *} and
 * {@code ?} do not cross {@code /}, {@code [...]} classes, {@code \} escapes, {@code **} matches any number of
 * directories; {@code !pattern} re-includes. The last matching pattern decides, and a pattern that matches a parent
 * directory of a path matches the path too.
 */
public final class DockerIgnore {
    private record Rule(String pattern, boolean exclusion, Pattern regex, int dirs) {}

    private final List<Rule> rules;

    private DockerIgnore(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    public static final DockerIgnore EMPTY = new DockerIgnore(List.of());

    public static DockerIgnore parse(String text) {
        List<Rule> rules = new ArrayList<>();
        for (String raw : text.split("\r?\n")) {
            String p = raw.strip();
            if (p.isEmpty() || p.startsWith("#")) continue;
            boolean inv = p.startsWith("!");
            if (inv) p = p.substring(1).strip();
            if (p.isEmpty()) continue;
            p = clean(p);
            if (p.length() > 1 && p.startsWith("/")) p = p.substring(1);
            rules.add(new Rule(p, inv, compile(p), p.split("/").length));
        }
        return new DockerIgnore(rules);
    }

    /** The patterns as cleaned, exclusions with their {@code !}. */
    public List<String> patterns() {
        return rules.stream().map(r -> r.exclusion ? "!" + r.pattern : r.pattern).toList();
    }

    public boolean isEmpty() {
        return rules.isEmpty();
    }

    /** Whether {@code path} (relative to the context, {@code /}-separated) is excluded. */
    public boolean excluded(String path) {
        String file = clean(path);
        if (file.startsWith("/")) file = file.substring(1);
        String[] parentDirs = file.contains("/") ? file.substring(0, file.lastIndexOf('/')).split("/") : new String[0];
        boolean matched = false;
        for (Rule r : rules) {
            boolean m = r.regex.matcher(file).matches();
            if (!m && parentDirs.length > 0 && r.dirs <= parentDirs.length) {
                m = r.regex.matcher(String.join("/", java.util.Arrays.copyOf(parentDirs, r.dirs))).matches();
            }
            if (m) matched = !r.exclusion;
        }
        return matched;
    }

    /** Whether some exclusion rule could re-include something below {@code dir} (then the walk must descend). */
    public boolean hasExclusions() {
        return rules.stream().anyMatch(Rule::exclusion);
    }

    /** Go's filepath.Clean for slash paths. */
    static String clean(String p) {
        if (p.isEmpty()) return ".";
        boolean abs = p.startsWith("/");
        List<String> out = new ArrayList<>();
        for (String c : p.split("/")) {
            if (c.isEmpty() || c.equals(".")) continue;
            if (c.equals("..")) {
                if (!out.isEmpty() && !out.getLast().equals("..")) out.removeLast();
                else if (!abs) out.add("..");
                continue;
            }
            out.add(c);
        }
        String s = String.join("/", out);
        if (abs) return "/" + s;
        return s.isEmpty() ? "." : s;
    }

    static Pattern compile(String p) {
        StringBuilder re = new StringBuilder("^");
        for (int i = 0; i < p.length(); i++) {
            char ch = p.charAt(i);
            if (ch == '*') {
                if (i + 1 < p.length() && p.charAt(i + 1) == '*') {
                    i++;
                    if (i + 1 < p.length() && p.charAt(i + 1) == '/') i++; // treat "**/" as "**"
                    if (i + 1 >= p.length()) re.append(".*");
                    else re.append("(.*/)?");
                } else {
                    re.append("[^/]*");
                }
            } else if (ch == '?') {
                re.append("[^/]");
            } else if (ch == '\\') {
                if (i + 1 < p.length()) re.append(Pattern.quote(String.valueOf(p.charAt(++i))));
            } else if (ch == '[') {
                int end = p.indexOf(']', i + 1);
                if (end < 0) {
                    re.append("\\[");
                } else {
                    String cls = p.substring(i + 1, end);
                    if (cls.startsWith("!") || cls.startsWith("^")) cls = "^" + cls.substring(1).replace("[", "\\[");
                    else cls = cls.replace("[", "\\[");
                    re.append('[').append(cls).append(']');
                    i = end;
                }
            } else if (".+()|{}$^".indexOf(ch) >= 0) {
                re.append('\\').append(ch);
            } else {
                re.append(ch);
            }
        }
        return Pattern.compile(re.append("$").toString(), Pattern.DOTALL);
    }
}
