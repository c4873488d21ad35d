package io.wharf.image;

import io.wharf.common.WharfException;
import io.wharf.oci.Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** Big writes (past the flush-behind threshold): committed whole and verified; a mismatch or an abort leaves nothing. */
class ContentStoreTest {
    @TempDir
    Path tmp;

    static byte[] data(int n) {
        byte[] b = new byte[n];
        new Random(9).nextBytes(b);
        return b;
    }

    static long ingestFiles(ContentStore cs) throws Exception {
        try (Stream<Path> s = Files.list(cs.root().resolve("ingest"))) {
            return s.count();
        }
    }

    @Test
    void aBlobLargerThanTheFlushBehindStepIsStoredWhole() throws Exception {
        ContentStore cs = new ContentStore(tmp);
        byte[] d = data((int) (2.5 * ContentStore.Writer.FLUSH_BEHIND));
        Digest got;
        try (ContentStore.Writer w = cs.writer()) {
            for (int off = 0; off < d.length; off += 256 * 1024) w.write(d, off, Math.min(256 * 1024, d.length - off));
            got = w.commit(Digest.sha256(d), d.length);
        }
        assertEquals(Digest.sha256(d), got);
        assertArrayEquals(d, cs.read(got));
        assertEquals(0, ingestFiles(cs));
    }

    @Test
    void aMismatchOrAnAbortAfterFlushesLeavesNothing() throws Exception {
        ContentStore cs = new ContentStore(tmp);
        byte[] d = data((int) (2 * ContentStore.Writer.FLUSH_BEHIND) + 1);
        Digest wrong = Digest.sha256(new byte[] {1});
        try (ContentStore.Writer w = cs.writer()) {
            w.write(d, 0, d.length);
            assertThrows(WharfException.class, () -> w.commit(wrong, d.length));
        }
        assertFalse(cs.exists(Digest.sha256(d)));
        assertFalse(cs.exists(wrong));
        try (ContentStore.Writer w = cs.writer()) {
            w.write(d, 0, d.length); // closed without commit: an abandoned download
        }
        assertEquals(0, ingestFiles(cs));
        assertTrue(cs.list().isEmpty());
    }
}
