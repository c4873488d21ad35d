package io.wharf.registry.storage;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The contract every {@link StorageDriver} keeps; each implementation's test extends this class. */
public abstract class StorageDriverContract {
    protected StorageDriver d;

    protected abstract StorageDriver newDriver() throws IOException;

    @BeforeEach
    void setUp() throws IOException {
        d = newDriver();
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void putThenGetRoundTripsAndReplaces() throws IOException {
        d.putContent("a/b/c", b("one"));
        assertArrayEquals(b("one"), d.getContent("a/b/c"));
        d.putContent("a/b/c", b("two!"));
        assertArrayEquals(b("two!"), d.getContent("a/b/c"));
        assertEquals(4, d.stat("a/b/c").size());
        assertFalse(d.stat("a/b/c").directory());
        assertTrue(d.stat("a/b").directory());
    }

    @Test
    void missingPathsAreNotFound() {
        assertThrows(StorageDriver.PathNotFoundException.class, () -> d.getContent("no/such"));
        assertThrows(StorageDriver.PathNotFoundException.class, () -> d.stat("no/such"));
        assertThrows(StorageDriver.PathNotFoundException.class, () -> d.reader("no/such", 0));
        assertThrows(StorageDriver.PathNotFoundException.class, () -> d.list("no/such"));
        assertThrows(StorageDriver.PathNotFoundException.class, () -> d.delete("no/such"));
        assertThrows(StorageDriver.PathNotFoundException.class, () -> d.move("no/such", "x"));
    }

    @Test
    void pathsCannotEscape() {
        for (String p : List.of("../x", "/etc/passwd", "a//b", "a/./b", "a/../../b", "", "a/b c")) {
            assertThrows(IllegalArgumentException.class, () -> d.putContent(p, b("x")), p);
        }
    }

    @Test
    void readerFromOffset() throws IOException {
        d.putContent("f", b("0123456789"));
        try (InputStream in = d.reader("f", 4)) {
            assertEquals("456789", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        try (InputStream in = d.reader("f", 10)) {
            assertEquals(0, in.readAllBytes().length);
        }
        assertThrows(IOException.class, () -> d.reader("f", 11).close());
    }

    @Test
    void writerAppendsAndResumes() throws IOException {
        try (var w = d.writer("up/data", false)) {
            w.write(ByteBuffer.wrap(b("hello ")));
            w.commit();
            assertEquals(6, w.size());
        }
        // a new writer after a "dropped connection" continues where the stored bytes end
        try (var w = d.writer("up/data", true)) {
            assertEquals(6, w.size());
            w.write(ByteBuffer.wrap(b("world")));
            w.commit();
            assertEquals(11, w.size());
        }
        assertArrayEquals(b("hello world"), d.getContent("up/data"));
        try (var w = d.writer("up/data", false)) {
            assertEquals(0, w.size());
        }
        assertEquals(0, d.stat("up/data").size());
    }

    @Test
    void cancelRemovesTheFile() throws IOException {
        var w = d.writer("up/x", false);
        w.write(ByteBuffer.wrap(b("abc")));
        w.cancel();
        assertThrows(StorageDriver.PathNotFoundException.class, () -> d.stat("up/x"));
    }

    @Test
    void listIsSortedAndDirect() throws IOException {
        d.putContent("r/b/1", b("x"));
        d.putContent("r/a", b("x"));
        d.putContent("r/c/d/e", b("x"));
        assertEquals(List.of("r/a", "r/b", "r/c"), d.list("r"));
    }

    @Test
    void moveReplacesAndCreatesParents() throws IOException {
        d.putContent("s", b("new"));
        d.putContent("t/u/v", b("old"));
        d.move("s", "t/u/v");
        assertArrayEquals(b("new"), d.getContent("t/u/v"));
        assertThrows(StorageDriver.PathNotFoundException.class, () -> d.stat("s"));
        d.putContent("x/y", b("1"));
        d.move("x", "z/w");
        assertArrayEquals(b("1"), d.getContent("z/w/y"));
    }

    @Test
    void deleteRemovesTrees() throws IOException {
        d.putContent("t/a/b", b("1"));
        d.putContent("t/c", b("2"));
        d.delete("t");
        assertThrows(StorageDriver.PathNotFoundException.class, () -> d.stat("t"));
    }

    @Test
    void walkVisitsEverything() throws IOException {
        d.putContent("w/a/b", b("12"));
        d.putContent("w/c", b("3"));
        List<String> seen = new ArrayList<>();
        d.walk("w", fi -> seen.add(fi.path() + (fi.directory() ? "/" : ":" + fi.size())));
        seen.sort(null);
        assertEquals(List.of("w/a/", "w/a/b:2", "w/c:1"), seen);
    }
}
