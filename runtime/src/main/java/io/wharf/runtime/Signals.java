package io.wharf.runtime;

import io.wharf.common.WharfException;

import java.util.List;
import java.util.Locale;

/** Signal names and numbers of Linux x86_64/aarch64, parsed the way Docker's signal.ParseSignal does. */
final class Signals {
    private Signals() {}

    private static final List<String> NAMES = List.of("", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE",
            "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN",
            "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS");

    static final int SIGKILL = 9, SIGTERM = 15, SIGCONT = 18;

    /** "SIGTERM", "TERM", "term", "15", "RTMIN+3" → number; INVALID_ARGUMENT otherwise. */
    static int parse(String s) {
        if (s == null || s.isBlank()) throw WharfException.invalid("invalid signal: empty");
        String u = s.trim().toUpperCase(Locale.ROOT);
        if (u.chars().allMatch(Character::isDigit)) {
            int n = Integer.parseInt(u);
            if (n < 1 || n > 64) throw WharfException.invalid("Invalid signal: %s", s);
            return n;
        }
        if (u.startsWith("SIG")) u = u.substring(3);
        if (u.equals("IOT")) return 6;
        if (u.equals("CLD")) return 17;
        if (u.equals("POLL")) return 29;
        int i = NAMES.indexOf(u);
        if (i > 0) return i;
        if (u.startsWith("RTMIN")) return rt(34, u.substring(5), s);
        if (u.startsWith("RTMAX")) return rt(64, u.substring(5), s);
        throw WharfException.invalid("Invalid signal: %s", s);
    }

    private static int rt(int base, String rest, String orig) {
        if (rest.isEmpty()) return base;
        try {
            int n = base + Integer.parseInt(rest);
            if (n >= 34 && n <= 64) return n;
        } catch (NumberFormatException ignored) {
        }
        throw WharfException.invalid("Invalid signal: %s", orig);
    }
}
