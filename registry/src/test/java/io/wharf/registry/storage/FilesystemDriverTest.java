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

    @Test
    void largeWritesWithEarlyWritebackKeepEveryByte() throws IOException {
        // past Writeback.STEP several times, in odd-sized pieces, across two appending writers
        assertTrue(Writeback.available(), "sync_file_range is reachable through the FFM API on Linux");
        java.util.Random rnd = new java.util.Random(42);
        byte[] all = new byte[(int) (Writeback.STEP * 2 + 12345)];
        rnd.nextBytes(all);
        int half = all.length / 2 + 7;
        try (StorageDriver.FileWriter w = d.writer("up/data", false)) {
            for (int off = 0; off < half; off += 100_003) w.write(java.nio.ByteBuffer.wrap(all, off, Math.min(100_003, half - off)));
        }
        try (StorageDriver.FileWriter w = d.writer("up/data", true)) {
            assertEquals(half, w.size());
            w.write(java.nio.ByteBuffer.wrap(all, half, all.length - half));
            w.commit();
            assertEquals(all.length, w.size());
        }
        assertArrayEquals(all, Files.readAllBytes(dir.resolve("up/data")));
    }
}
