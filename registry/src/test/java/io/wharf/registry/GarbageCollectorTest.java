package io.wharf.registry;

import io.wharf.oci.Digest;
import io.wharf.oci.MediaTypes;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

class GarbageCollectorTest extends RegistryTestBase {
    @Override
    RegistryConfig config() {
        return super.config().withGc(Duration.ZERO, Duration.ofDays(7));
    }

    @Test
    void sweepsUnreferencedKeepsReferenced() throws Exception {
        Image img = pushImage("g", "1", "kept");
        Digest orphan = pushBlob("g", "orphan".getBytes());
        Image untagged = pushImage("g", "2", "also-kept");
        send("DELETE", "/v2/g/manifests/2", null); // by-digest revision remains: still marked, as in distribution
        Image deleted = pushImage("h", "1", "gone");
        send("DELETE", "/v2/h/manifests/" + deleted.manifest(), null);
        Thread.sleep(5);

        var res = server.garbageCollect();
        assertFalse(Files.exists(root.resolve(RegistryStorage.blobData(orphan))));
        assertFalse(Files.exists(root.resolve(RegistryStorage.blobData(deleted.layer()))));
        assertFalse(Files.exists(root.resolve(RegistryStorage.blobData(deleted.manifest()))));
        for (Digest d : new Digest[]{img.config(), img.layer(), img.manifest(), untagged.layer(), untagged.manifest()}) {
            assertTrue(Files.exists(root.resolve(RegistryStorage.blobData(d))), d.toString());
        }
        assertTrue(res.blobsDeleted() >= 3, res.toString());
        // pulls still work; the orphan's dangling link is gone too
        assertEquals(200, send("GET", "/v2/g/manifests/1", null).statusCode());
        assertArrayEquals("kept".getBytes(), send("GET", "/v2/g/blobs/" + img.layer(), null).body());
        assertEquals(404, send("HEAD", "/v2/g/blobs/" + orphan, null).statusCode());
        assertFalse(Files.exists(root.resolve(RegistryStorage.layerLink(RepositoryName.parse("g"), orphan))));
    }

    @Test
    void gracePeriodKeepsFreshBlobs() throws Exception {
        Digest orphan = pushBlob("g", "fresh".getBytes());
        RegistryStorage s = server.storage();
        new GarbageCollector(s, java.time.Clock.systemUTC()).run(Duration.ofHours(1), Duration.ofDays(7));
        assertTrue(Files.exists(root.resolve(RegistryStorage.blobData(orphan))));
    }

    @Test
    void indexChildrenAreMarked() throws Exception {
        Image img = pushImage("i", "child", "c");
        send("DELETE", "/v2/i/manifests/child", null);
        String index = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":[{\"mediaType\":\""
                + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + img.manifest() + "\",\"size\":" + img.manifestBytes().length + "}]}";
        pushManifest("i", "latest", MediaTypes.OCI_INDEX, index.getBytes());
        server.garbageCollect();
        assertTrue(Files.exists(root.resolve(RegistryStorage.blobData(img.layer()))));
        assertTrue(Files.exists(root.resolve(RegistryStorage.blobData(img.manifest()))));
    }

    @Test
    void staleUploadsArePurged() throws Exception {
        send("POST", "/v2/g/blobs/uploads/", null);
        var gc = new GarbageCollector(server.storage(), java.time.Clock.offset(java.time.Clock.systemUTC(), Duration.ofDays(8)));
        var res = gc.run(Duration.ofHours(1), Duration.ofDays(7));
        assertEquals(1, res.uploadsPurged());
    }

    @Test
    void neverDeletesWhatAManifestReferencesWhileServing() throws Exception {
        Digest config = pushBlob("c", "{}".getBytes());
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicReference<Throwable> gcFailure = new java.util.concurrent.atomic.AtomicReference<>();
        Thread gc = Thread.ofVirtual().start(() -> {
            try {
                GarbageCollector collector = new GarbageCollector(server.storage(), java.time.Clock.systemUTC());
                while (!done.get()) {
                    collector.run(Duration.ofMillis(300), Duration.ofDays(7));
                    Thread.sleep(10);
                }
            } catch (Throwable t) {
                gcFailure.set(t);
            }
        });
        java.util.List<Integer> pushed = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 10; i++) {
                byte[] layer = ("layer-" + i).getBytes();
                byte[] m = manifest(MediaTypes.OCI_MANIFEST, config, 2, java.util.List.of(Digest.sha256(layer)), java.util.List.of((long) layer.length), null);
                pushBlob("c", layer);
                pushBlob("c", "{}".getBytes());
                // every other manifest arrives after the grace period, so GC races it for its blobs
                if (i % 2 == 1) Thread.sleep(500);
                var r = send("PUT", "/v2/c/manifests/t" + i, m, "Content-Type", MediaTypes.OCI_MANIFEST);
                // a late manifest may find its blobs collected: then the PUT must fail, never dangle
                if (r.statusCode() == 201) pushed.add(i);
                else assertEquals("MANIFEST_BLOB_UNKNOWN", errorCode(r));
            }
        } finally {
            done.set(true);
            gc.join();
        }
        assertNull(gcFailure.get(), () -> String.valueOf(gcFailure.get()));
        server.garbageCollect();
        assertFalse(pushed.isEmpty());
        for (int i : pushed) {
            var m = json(send("GET", "/v2/c/manifests/t" + i, null));
            assertEquals(200, send("HEAD", "/v2/c/blobs/" + m.path("config").path("digest").asText(), null).statusCode());
            assertEquals(200, send("HEAD", "/v2/c/blobs/" + m.path("layers").path(0).path("digest").asText(), null).statusCode());
        }
    }

    @Test
    void rePushedOrMountedOldBlobIsFreshAgain() throws Exception {
        Digest d = pushBlob("old", "old-bytes".getBytes());
        java.nio.file.attribute.FileTime twoHoursAgo = java.nio.file.attribute.FileTime.from(java.time.Instant.now().minus(Duration.ofHours(2)));
        Files.setLastModifiedTime(root.resolve(RegistryStorage.blobData(d)), twoHoursAgo);
        Files.setLastModifiedTime(root.resolve(RegistryStorage.layerLink(RepositoryName.parse("old"), d)), twoHoursAgo);
        assertEquals(201, send("POST", "/v2/other/blobs/uploads/?mount=" + d + "&from=old", null).statusCode());
        new GarbageCollector(server.storage(), java.time.Clock.systemUTC()).run(Duration.ofHours(1), Duration.ofDays(7));
        assertTrue(Files.exists(root.resolve(RegistryStorage.blobData(d))), "mounted moments ago: kept");
        Files.setLastModifiedTime(root.resolve(RegistryStorage.layerLink(RepositoryName.parse("other"), d)), twoHoursAgo);
        new GarbageCollector(server.storage(), java.time.Clock.systemUTC()).run(Duration.ofHours(1), Duration.ofDays(7));
        assertFalse(Files.exists(root.resolve(RegistryStorage.blobData(d))), "unreferenced and old: collected");
    }
}
