package io.wharf.build;

import io.wharf.common.WharfException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ShellLexTest {
    static final Map<String, String> ENV = Map.of("A", "a", "EMPTY", "", "SP", "x y", "PATH", "/bin");
    final ShellLex lex = new ShellLex('\\');

    String w(String s) {
        return lex.processWord(s, ENV::get);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
            "$A|a",
            "${A}|a",
            "pre${A}post|preapost",
            "$UNSET|~~",
            "${UNSET:-dflt}|dflt",
            "${EMPTY:-dflt}|dflt",
            "${A:-dflt}|a",
            "${UNSET-dflt}|dflt",
            "${EMPTY-dflt}|~~",
            "${A:+alt}|alt",
            "${EMPTY:+alt}|~~",
            "${UNSET:+alt}|~~",
            "${EMPTY+alt}|alt",
            "${UNSET+alt}|~~",
            "${UNSET:-$A}|a",
            "${UNSET:-${A}x}|ax",
            "'$A'|$A",
            "\"$A\"|a",
            "\"\\$A\"|$A",
            "\\$A|$A",
            "a\\ b|a b",
            "\"a\\nb\"|a\\nb",
            "\"q\\\"q\"|q\"q",
            "$|$",
            "$ x|$ x",
            "${PATH}:/usr/bin|/bin:/usr/bin",
            "x\\|x",
    })
    void processWord(String in, String out) {
        assertEquals(out, w(in));
    }

    @Test
    void words() {
        assertEquals(List.of("80", "x", "y", "x y"), lex.processWords("80 $SP \"$SP\"", ENV::get));
        assertEquals(List.of(""), lex.processWords("\"\"", ENV::get));
        assertEquals(List.of("a", "b"), lex.processWords("  a   b ", ENV::get));
    }

    @Test
    void backtickEscape() {
        ShellLex bt = new ShellLex('`');
        assertEquals("$A", bt.processWord("`$A", ENV::get));
        assertEquals("C:\\dir", bt.processWord("C:\\dir", ENV::get));
    }

    @Test
    void errors() {
        assertEquals("UNSET: is not allowed to be unset", assertThrows(WharfException.class, () -> w("${UNSET:?}")).getMessage());
        assertEquals("EMPTY: is not allowed to be empty", assertThrows(WharfException.class, () -> w("${EMPTY:?}")).getMessage());
        assertEquals("UNSET: need it", assertThrows(WharfException.class, () -> w("${UNSET?need it}")).getMessage());
        assertEquals("syntax error: bad substitution", assertThrows(WharfException.class, () -> w("${}")).getMessage());
        assertEquals("syntax error: missing '}'", assertThrows(WharfException.class, () -> w("${A:-x")).getMessage());
        assertThrows(WharfException.class, () -> w("'open"));
        assertThrows(WharfException.class, () -> w("\"open"));
        assertEquals("a", w("${EMPTY:?}" .replace("EMPTY", "A")));
    }
}
