package io.wharf.build;

import io.wharf.common.WharfException;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Word expansion of Dockerfile arguments, after BuildKit's {@code frontend/dockerfile/shell/lex.go} (the classic
 * builder uses the same code): single quotes are literal, double quotes allow {@code $} expansion and escape only
 * {@code "}, {@code $} and the escape character, the escape character outside quotes takes the next character
 * literally (a trailing one is dropped), {@code $NAME}, {@code ${NAME}}, {@code ${NAME:-word}}, {@code ${NAME-word}},
 * {@code ${NAME:+word}}, {@code ${NAME+word}}, {@code ${NAME:?msg}}, {@code ${NAME?msg}}, where {@code word} is itself
 * expanded. An unset variable expands to "". {@code $} not followed by a name stays {@code $}.
 *
 * <p>{@link #processWords} also splits into words on whitespace outside quotes, where the value of an unquoted
 * {@code $VAR} is split too but quoted text never is (lex.go's addString/addRawString).
 */
public final class ShellLex {
    private final char escape;

    public ShellLex(char escape) {
        this.escape = escape;
    }

    /** Expands one word, removing quotes. */
    public String processWord(String word, Function<String, String> env) {
        return new Scan(word, env).run(false).result.toString();
    }

    /** Expands and splits into words. */
    public List<String> processWords(String word, Function<String, String> env) {
        return new Scan(word, env).run(true).words.get();
    }

    private static final class Words {
        final List<String> out = new ArrayList<>();
        final StringBuilder buf = new StringBuilder();
        boolean inWord;

        void addChar(char c) {
            if (Character.isWhitespace(c) && inWord) {
                out.add(buf.toString());
                buf.setLength(0);
                inWord = false;
            } else if (!Character.isWhitespace(c)) {
                addRawChar(c);
            }
        }

        void addRawChar(char c) {
            buf.append(c);
            inWord = true;
        }

        void addString(String s) {
            for (int i = 0; i < s.length(); i++) addChar(s.charAt(i));
        }

        void addRawString(String s) {
            buf.append(s);
            inWord = true;
        }

        List<String> get() {
            if (inWord) {
                out.add(buf.toString());
                buf.setLength(0);
                inWord = false;
            }
            return out;
        }
    }

    private record Result(StringBuilder result, Words words) {}

    private final class Scan {
        final String s;
        final Function<String, String> env;
        int pos;

        Scan(String s, Function<String, String> env) {
            this.s = s;
            this.env = env;
        }

        int peek() {
            return pos < s.length() ? s.charAt(pos) : -1;
        }

        int next() {
            return pos < s.length() ? s.charAt(pos++) : -1;
        }

        Result run(boolean words) {
            return stopOn(-1);
        }

        Result stopOn(int stop) {
            StringBuilder result = new StringBuilder();
            Words words = new Words();
            while (peek() != -1) {
                int ch = peek();
                if (stop != -1 && ch == stop) {
                    next();
                    return new Result(result, words);
                }
                if (ch == '\'') {
                    String t = singleQuote();
                    result.append(t);
                    words.addRawString(t);
                } else if (ch == '"') {
                    String t = doubleQuote();
                    result.append(t);
                    words.addRawString(t);
                } else if (ch == '$') {
                    String t = dollar();
                    result.append(t);
                    words.addString(t);
                } else {
                    ch = next();
                    if (ch == escape) {
                        ch = next();
                        if (ch == -1) break;
                        words.addRawChar((char) ch);
                    } else {
                        words.addChar((char) ch);
                    }
                    result.append((char) ch);
                }
            }
            if (stop != -1) throw bad("unexpected end of statement while looking for matching " + (char) stop);
            return new Result(result, words);
        }

        String singleQuote() {
            next();
            StringBuilder b = new StringBuilder();
            while (true) {
                int ch = next();
                if (ch == -1) throw bad("unexpected end of statement while looking for matching single-quote");
                if (ch == '\'') return b.toString();
                b.append((char) ch);
            }
        }

        String doubleQuote() {
            next();
            StringBuilder b = new StringBuilder();
            while (true) {
                int ch = peek();
                if (ch == -1) throw bad("unexpected end of statement while looking for matching double-quote");
                if (ch == '"') {
                    next();
                    return b.toString();
                }
                if (ch == '$') {
                    b.append(dollar());
                    continue;
                }
                ch = next();
                if (ch == escape) {
                    int n = peek();
                    if (n == -1) continue;
                    if (n == '"' || n == '$' || n == escape) ch = next();
                }
                b.append((char) ch);
            }
        }

        String dollar() {
            next(); // $
            if (peek() != '{') {
                String name = name();
                if (name.isEmpty()) return "$";
                return value(name, "");
            }
            next(); // {
            int p = peek();
            if (p == -1) throw bad("syntax error: missing '}'");
            if (p == '{' || p == '}' || p == ':') throw bad("syntax error: bad substitution");
            String name = name();
            int ch = next();
            switch (ch) {
                case '}' -> {
                    return value(name, "");
                }
                case '?' -> {
                    String word = stopOn('}').result.toString();
                    String v = env.apply(name);
                    if (v == null) throw bad(name + ": " + (word.isEmpty() ? "is not allowed to be unset" : word));
                    return v;
                }
                case '-', '+' -> {
                    String word = stopOn('}').result.toString();
                    String v = env.apply(name);
                    if (ch == '-') return v == null ? word : v;
                    return v == null ? "" : word;
                }
                case ':' -> {
                    int mod = next();
                    String word;
                    try {
                        word = stopOn('}').result.toString();
                    } catch (WharfException e) {
                        if (peek() == -1) throw bad("syntax error: missing '}'");
                        throw e;
                    }
                    String v = env.apply(name);
                    String value = v == null ? "" : v;
                    return switch (mod) {
                        case '+' -> value.isEmpty() ? "" : word;
                        case '-' -> value.isEmpty() ? word : value;
                        case '?' -> {
                            if (v == null) throw bad(name + ": " + (word.isEmpty() ? "is not allowed to be unset" : word));
                            if (value.isEmpty()) throw bad(name + ": " + (word.isEmpty() ? "is not allowed to be empty" : word));
                            yield value;
                        }
                        default -> throw bad("unsupported modifier (" + (mod == -1 ? "" : String.valueOf((char) mod)) + ") in substitution");
                    };
                }
                case -1 -> throw bad("syntax error: missing '}'");
                default -> throw bad("missing ':' in substitution");
            }
        }

        String value(String name, String dflt) {
            String v = env.apply(name);
            return v == null ? dflt : v;
        }

        String name() {
            StringBuilder n = new StringBuilder();
            while (peek() != -1) {
                char ch = (char) peek();
                if (n.isEmpty() && Character.isDigit(ch)) {
                    while (peek() != -1 && Character.isDigit((char) peek())) n.append((char) next());
                    return n.toString();
                }
                if (n.isEmpty() && "*#@!?-$".indexOf(ch) >= 0) {
                    next();
                    return String.valueOf(ch);
                }
                if (!Character.isLetterOrDigit(ch) && ch != '_') break;
                n.append((char) next());
            }
            return n.toString();
        }

        WharfException bad(String msg) {
            return WharfException.invalid("%s", msg);
        }
    }
}
