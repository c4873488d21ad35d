package io.wharf.image;

import io.wharf.common.WharfException;
import io.wharf.oci.Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class SnapshotterTest {
    @TempDir
    Path tmp;

    @Test
    void layersSurviveRestartAndLeftoversAreCollected() throws Exception {
        Snapshotter s = new Snapshotter(tmp);
        byte[] tar = new TarBuilder().file("a", "1").build();
        Snapshotter.Layer l = s.applyLayer(null, Digest.sha256(tar), new ByteArrayInputStream(tar));
        s.prepare("ctr", l.chainId());
        Files.writeString(s.upperDir("ctr").resolve("x"), "y");
        Files.createDirectories(tmp.resolve("999/fs")); // a crash leftover: no metadata names it
        Snapshotter again = new Snapshotter(tmp);
        assertEquals(l, again.layer(l.chainId()).orElseThrow());
        assertEquals("y", Files.readString(again.upperDir("ctr").resolve("x")));
        assertFalse(Files.exists(tmp.resolve("999")));
        // a layer under an active snapshot stays
        assertFalse(again.removeLayer(l.chainId()));
        again.remove("ctr");
        assertTrue(again.removeLayer(l.chainId()));
        assertFalse(Files.exists(again.layerDir(l)));
    }

    @Test
    void orphanLayersAreCollectedWhenTheServiceStarts() {
        ImageService svc = new ImageService(tmp);
        byte[] tar = new TarBuilder().file("a", "1").build();
        Snapshotter.Layer orphan = svc.unpackLayer(null, new ByteArrayInputStream(tar), null);
        Digest kept = svc.importImage(new ByteArrayInputStream(new TarBuilder().file("b", "2").build()), ImportOptions.tagged("kept"));
        ImageService again = new ImageService(tmp);
        assertTrue(again.snapshotter().layer(orphan.chainId()).isEmpty());
        assertEquals(1, again.snapshotter().layers().size());
        assertEquals(kept, again.get("kept").id());
    }

    @Test
    void commitTurnsAnActiveSnapshotIntoALayer() throws Exception {
        Snapshotter s = new Snapshotter(tmp);
        byte[] tar = new TarBuilder().file("a", "1").file("b", "2").build();
        Snapshotter.Layer base = s.applyLayer(null, Digest.sha256(tar), new ByteArrayInputStream(tar));
        s.prepare("step", base.chainId(), true);
        Path upper = s.upperDir("step");
        Files.writeString(upper.resolve("c"), "3");
        Native.whiteout(upper.resolve("a"));
        var out = new java.io.ByteArrayOutputStream();
        Archive.tarTree(upper, out, Archive.TarOptions.DIFF);
        Digest diff = Digest.sha256(out.toByteArray());
        Snapshotter.Layer l = s.commit("step", diff, out.size());
        assertFalse(s.exists("step"));
        assertEquals(Snapshotter.chainId(base.chainId(), diff), l.chainId());
        assertEquals("3", Files.readString(s.layerDir(l).resolve("c")));
        assertFalse(Files.exists(s.layerDir(l).resolveSibling("init")));
        // survives a restart, and the layer mounts
        Snapshotter again = new Snapshotter(tmp);
        again.prepare("run", l.chainId());
        Path m = tmp.resolve("m");
        Snapshotter.mount(again.mounts("run"), m);
        try {
            assertFalse(Files.exists(m.resolve("a")));
            assertEquals("2", Files.readString(m.resolve("b")));
            assertEquals("3", Files.readString(m.resolve("c")));
        } finally {
            Snapshotter.unmount(m);
        }
    }

    @Test
    void hardlinkToAParentLayerFileBecomesACopy() throws Exception {
        Snapshotter s = new Snapshotter(tmp);
        byte[] t1 = new TarBuilder().dir("bin").file("bin/tool", "T".getBytes(), 0751).build();
        Snapshotter.Layer l1 = s.applyLayer(null, Digest.sha256(t1), new ByteArrayInputStream(t1));
        byte[] t2 = new TarBuilder().dir("usr").hardlink("usr/tool2", "bin/tool").build();
        Snapshotter.Layer l2 = s.applyLayer(l1.chainId(), Digest.sha256(t2), new ByteArrayInputStream(t2));
        Path copy = s.layerDir(l2).resolve("usr/tool2");
        assertEquals("T", Files.readString(copy));
        assertEquals(0100751, Files.getAttribute(copy, "unix:mode"));
        // without the parent it is refused
        assertThrows(WharfException.class, () -> s.applyLayer(null, Digest.sha256(t2), new ByteArrayInputStream(t2)));
    }

    @Test
    void wrongDiffIdLeavesNothing() throws Exception {
        Snapshotter s = new Snapshotter(tmp);
        byte[] tar = new TarBuilder().file("a", "1").build();
        Digest wrong = Digest.sha256(new byte[] {1});
        WharfException e = assertThrows(WharfException.class, () -> s.applyLayer(null, wrong, new ByteArrayInputStream(tar)));
        assertTrue(e.getMessage().contains("does not match diff_id"), e.getMessage());
        assertTrue(s.layers().isEmpty());
        try (var l = Files.list(tmp)) {
            assertEquals(0, l.filter(p -> p.getFileName().toString().matches("[0-9]+")).count());
        }
        assertThrows(WharfException.class, () -> s.prepare("../evil", null));
    }
}
