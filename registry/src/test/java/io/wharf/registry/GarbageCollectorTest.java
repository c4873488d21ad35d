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
}
