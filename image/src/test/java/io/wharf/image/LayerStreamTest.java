package io.wharf.image;

import io.wharf.common.ErrorKind;
import io.wharf.common.WharfException;
import io.wharf.oci.Descriptor;
import io.wharf.oci.Digest;
import io.wharf.oci.MediaTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link ImageService#applyLayerStream}, the pull's single pass: a compressed layer goes straight into a snapshot
 * without an uncompressed copy in the content store, and becomes visible only once its diff ID and the gate (the
 * download's verdict) agree; otherwise nothing at all is left, not even a directory.
 */
class LayerStreamTest {
    @TempDir
    Path tmp;

    static byte[] bigContent() {
        byte[] big = new byte[3 << 20];
        new java.util.Random(1).nextBytes(big);
        return big;
    }

    static byte[] bigLayer() {
        byte[] big = bigContent();
        return new TarBuilder().dir("d").file("d/small", "x").file("d/big.bin", big, 0640).symlink("d/link", "small").build();
    }

    /** Numbered snapshot directories under the snapshotter root (a half-extracted layer would show as one). */
    static List<String> snapshotDirs(ImageService svc) throws IOException {
        try (Stream<Path> s = Files.list(svc.snapshotter().root())) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.chars().allMatch(Character::isDigit)).sorted().toList();
        }
    }

    @Test
    void aStreamedLayerIsExtractedWithoutAnUncompressedBlobAndSaveMakesOneWhenNeeded() throws Exception {
        ImageService svc = new ImageService(tmp);
        byte[] tar = bigLayer();
        byte[] gz = TarBuilder.gzip(tar);
        Digest diffId = Digest.sha256(tar);
        int[] gateCalls = {0};
        Snapshotter.Layer l = svc.applyLayerStream(null, new ByteArrayInputStream(gz), diffId, () -> gateCalls[0]++);
        assertEquals(1, gateCalls[0]);
        assertEquals(diffId, l.diffId());
        Path fs = svc.snapshotter().layerDir(l);
        assertArrayEquals(bigContent(), Files.readAllBytes(fs.resolve("d/big.bin")));
        assertEquals("x", Files.readString(fs.resolve("d/small")));
        assertEquals(Path.of("small"), Files.readSymbolicLink(fs.resolve("d/link")));
        assertEquals(0640, (Integer) Files.getAttribute(fs.resolve("d/big.bin"), "unix:mode") & 07777);
        assertFalse(svc.content().exists(diffId), "the uncompressed tar is not kept");

        // docker save needs it: made from the compressed blob the pull linked, verified against the diff ID
        Digest gzDigest = svc.content().write(gz);
        svc.linkCompressed(diffId, Descriptor.of(MediaTypes.DOCKER_LAYER_GZIP, gzDigest, gz.length));
        svc.ensureUncompressed(diffId);
        assertArrayEquals(tar, svc.content().read(diffId));
        // and an existing layer is returned without reading the stream or asking the gate
        Snapshotter.Layer again = svc.applyLayerStream(null, InputStream.nullInputStream(), diffId, () -> fail("no gate for an existing layer"));
        assertEquals(l, again);
    }

    @Test
    void ensureUncompressedWithoutAnyBlobIsAPreconditionFailure() {
        ImageService svc = new ImageService(tmp);
        WharfException e = assertThrows(WharfException.class, () -> svc.ensureUncompressed(Digest.sha256(new byte[] {1})));
        assertEquals(ErrorKind.FAILED_PRECONDITION, e.kind());
    }

    @Test
    void aGateThatSaysNoLeavesNothingBehind() throws Exception {
        ImageService svc = new ImageService(tmp);
        byte[] tar = bigLayer();
        Digest diffId = Digest.sha256(tar);
        WharfException mismatch = WharfException.invalid("digest mismatch: expected a, got b");
        WharfException e = assertThrows(WharfException.class, () -> svc.applyLayerStream(null, new ByteArrayInputStream(TarBuilder.gzip(tar)), diffId, () -> {
            throw mismatch;
        }));
        assertSame(mismatch, e, "the gate's own exception comes out");
        assertTrue(svc.snapshotter().layer(diffId).isEmpty());
        assertEquals(List.of(), snapshotDirs(svc), "the extracted directory was removed");
        assertFalse(svc.content().exists(diffId));
        // an IOException (a failed download) comes out as itself too
        IOException io = new IOException("connection reset");
        assertSame(io, assertThrows(IOException.class, () -> svc.applyLayerStream(null, new ByteArrayInputStream(tar), diffId, () -> {
            throw io;
        })));
        assertEquals(List.of(), snapshotDirs(svc));
        // after a restart too: no layer record names anything
        assertTrue(new Snapshotter(svc.snapshotter().root()).layers().isEmpty());
    }

    @Test
    void aWrongDiffIdLeavesNothingAndNeverAsksTheGate() throws Exception {
        ImageService svc = new ImageService(tmp);
        byte[] tar = bigLayer();
        Digest wrong = Digest.sha256("something else".getBytes());
        WharfException e = assertThrows(WharfException.class, () -> svc.applyLayerStream(null, new ByteArrayInputStream(TarBuilder.gzip(tar)), wrong,
                () -> fail("the gate is asked only about a layer that matched")));
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
        assertTrue(svc.snapshotter().layers().isEmpty());
        assertEquals(List.of(), snapshotDirs(svc));
    }

    @Test
    void theStreamedPathKeepsTheExtractionSafetyRules() throws Exception {
        ImageService svc = new ImageService(tmp);
        // a symlink to / and a file written through it: must land inside the layer, never on the host
        Path outside = tmp.resolve("outside-" + System.nanoTime());
        byte[] evil = new TarBuilder().symlink("escape", tmp.toString()).file("escape/" + outside.getFileName(), "pwned").build();
        Snapshotter.Layer l = svc.applyLayerStream(null, new ByteArrayInputStream(TarBuilder.gzip(evil)), Digest.sha256(evil), null);
        assertFalse(Files.exists(outside), "nothing written outside the layer");
        Path fs = svc.snapshotter().layerDir(l);
        assertTrue(Files.isRegularFile(fs.resolve(tmp.toString().substring(1)).resolve(outside.getFileName())));
        // a breakout by name is refused and leaves nothing
        byte[] dots = new TarBuilder().file("../../x", "no").build();
        assertThrows(WharfException.class, () -> svc.applyLayerStream(l.chainId(), new ByteArrayInputStream(dots), Digest.sha256(dots), null));
        assertEquals(1, snapshotDirs(svc).size());
        // whiteouts become overlay whiteouts in a streamed upper layer too
        byte[] wh = new TarBuilder().file("d/.wh.small", "").build();
        byte[] base = bigLayer();
        Snapshotter.Layer b = svc.applyLayerStream(null, new ByteArrayInputStream(TarBuilder.gzip(base)), Digest.sha256(base), null);
        Snapshotter.Layer top = svc.applyLayerStream(b.chainId(), new ByteArrayInputStream(wh), Digest.sha256(wh), null);
        Path w = svc.snapshotter().layerDir(top).resolve("d/small");
        assertEquals(0020000, (Integer) Files.getAttribute(w, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS) & 0170000);
    }
}
