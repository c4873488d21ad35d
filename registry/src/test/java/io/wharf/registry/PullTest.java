package io.wharf.registry;

import io.wharf.oci.Digest;
import io.wharf.oci.MediaTypes;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** distribution-spec "Pull": base check, manifests by tag and digest, blobs with ranges, negotiation. */
class PullTest extends RegistryTestBase {
    @Test
    void baseEndpoint() throws Exception {
        var r = send("GET", "/v2/", null);
        assertEquals(200, r.statusCode());
        assertEquals("registry/2.0", r.headers().firstValue("Docker-Distribution-API-Version").orElse(null));
        assertEquals(200, send("HEAD", "/v2/", null).statusCode());
    }

    @Test
    void manifestByTagAndDigest() throws Exception {
        Image img = pushImage("library/busybox", "1", "layer-1");
        var r = send("GET", "/v2/library/busybox/manifests/1", null, "Accept", MediaTypes.OCI_MANIFEST);
        assertEquals(200, r.statusCode());
        assertArrayEquals(img.manifestBytes(), r.body());
        assertEquals(MediaTypes.OCI_MANIFEST, r.headers().firstValue("Content-Type").orElse(null));
        assertEquals(img.manifest().toString(), r.headers().firstValue("Docker-Content-Digest").orElse(null));

        var h = send("HEAD", "/v2/library/busybox/manifests/" + img.manifest(), null);
        assertEquals(200, h.statusCode());
        assertEquals(String.valueOf(img.manifestBytes().length), h.headers().firstValue("Content-Length").orElse(null));
        assertEquals(0, h.body().length);

        var byDigest = send("GET", "/v2/library/busybox/manifests/" + img.manifest(), null);
        assertArrayEquals(img.manifestBytes(), byDigest.body());
    }

    @Test
    void unknownManifestAndRepository() throws Exception {
        pushImage("a", "1", "x");
        var r = send("GET", "/v2/a/manifests/2", null);
        assertEquals(404, r.statusCode());
        assertEquals("MANIFEST_UNKNOWN", errorCode(r));
        var n = send("GET", "/v2/nope/manifests/1", null);
        assertEquals(404, n.statusCode());
        assertEquals("NAME_UNKNOWN", errorCode(n));
        assertEquals(404, send("HEAD", "/v2/a/manifests/" + Digest.sha256(new byte[1]), null).statusCode());
    }

    @Test
    void blobGetHeadAndRanges() throws Exception {
        byte[] data = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        Digest d = pushBlob("r", data);
        var g = send("GET", "/v2/r/blobs/" + d, null);
        assertEquals(200, g.statusCode());
        assertArrayEquals(data, g.body());
        assertEquals(d.toString(), g.headers().firstValue("Docker-Content-Digest").orElse(null));
        var h = send("HEAD", "/v2/r/blobs/" + d, null);
        assertEquals(200, h.statusCode());
        assertEquals("16", h.headers().firstValue("Content-Length").orElse(null));
        var part = send("GET", "/v2/r/blobs/" + d, null, "Range", "bytes=4-7");
        assertEquals(206, part.statusCode());
        assertEquals("4567", new String(part.body(), StandardCharsets.US_ASCII));
        assertEquals("bytes 4-7/16", part.headers().firstValue("Content-Range").orElse(null));
        var tail = send("GET", "/v2/r/blobs/" + d, null, "Range", "bytes=10-");
        assertEquals("abcdef", new String(tail.body(), StandardCharsets.US_ASCII));
        assertEquals(416, send("GET", "/v2/r/blobs/" + d, null, "Range", "bytes=16-20").statusCode());

        var unknown = send("GET", "/v2/r/blobs/" + Digest.sha256(new byte[]{1}), null);
        assertEquals(404, unknown.statusCode());
        assertEquals("BLOB_UNKNOWN", errorCode(unknown));
        // a blob of another repository is not visible here
        assertEquals(404, send("HEAD", "/v2/other/blobs/" + d, null).statusCode());
    }

    @Test
    void largeBlobRoundTripsIntact() throws Exception {
        byte[] data = new byte[9 * 1024 * 1024 + 7];
        new Random(1).nextBytes(data);
        Digest d = pushBlob("big", data);
        var g = send("GET", "/v2/big/blobs/" + d, null);
        assertEquals(200, g.statusCode());
        assertEquals(d, Digest.sha256(g.body()));
    }

    @Test
    void indexNegotiation() throws Exception {
        Image img = pushImage("multi", "amd64", "l");
        String index = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":[{\"mediaType\":\""
                + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + img.manifest() + "\",\"size\":" + img.manifestBytes().length
                + ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}";
        Digest idx = pushManifest("multi", "latest", MediaTypes.OCI_INDEX, index.getBytes(StandardCharsets.UTF_8));
        var all = send("GET", "/v2/multi/manifests/latest", null, "Accept", String.join(", ", List.of(MediaTypes.OCI_INDEX, MediaTypes.OCI_MANIFEST)));
        assertEquals(idx.toString(), all.headers().firstValue("Docker-Content-Digest").orElse(null));
        assertEquals(MediaTypes.OCI_INDEX, all.headers().firstValue("Content-Type").orElse(null));
        // a client that only reads single manifests gets the linux/amd64 one
        var single = send("GET", "/v2/multi/manifests/latest", null, "Accept", MediaTypes.OCI_MANIFEST);
        assertEquals(img.manifest().toString(), single.headers().firstValue("Docker-Content-Digest").orElse(null));
        var none = send("GET", "/v2/multi/manifests/amd64", null, "Accept", MediaTypes.DOCKER_MANIFEST);
        assertEquals(404, none.statusCode());
        assertEquals("MANIFEST_UNKNOWN", errorCode(none));
    }

    @Test
    void portInUseIsAClearError() {
        RegistryServer second = new RegistryServer(RegistryConfig.defaults().withRoot(root).withListen("127.0.0.1", server.port()),
                new io.wharf.registry.storage.InMemoryDriver(), java.time.Clock.systemUTC());
        var e = assertThrows(io.wharf.common.WharfException.class, second::start);
        assertTrue(e.getMessage().startsWith("registry cannot listen on 127.0.0.1:" + server.port()), e.getMessage());
        second.close();
    }
}
