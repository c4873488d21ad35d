package io.wharf.registry.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class FilesystemDriverTest extends StorageDriverContract {
    @TempDir
    Path dir;

    @Override
    protected StorageDriver newDriver() throws IOException {
        return new FilesystemDriver(dir);
    }

    @Test
    void localFileIsTheStoredFile() throws IOException {
        d.putContent("blobs/x/data", "abc".getBytes());
        Path p = d.localFile("blobs/x/data").orElseThrow();
        assertEquals("abc", Files.readString(p));
        assertTrue(d.localFile("blobs/none").isEmpty());
    }

    @Test
    void leftoverTemporariesAreInvisible() throws IOException {
        // a crash between write and rename leaves a dot-temporary; it must not show up as content
        Files.createDirectories(dir.resolve("r"));
        Files.writeString(dir.resolve("r/.link.tmp-1-2"), "torn");
        d.putContent("r/link", "ok".getBytes());
        assertEquals(java.util.List.of("r/link"), d.list("r"));
    }
}
