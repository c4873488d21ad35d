package io.wharf.registry;

import io.wharf.oci.MediaTypes;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Manifest GETs are answered from memory once their link was read (RegistryStorage's link cache, served on the event
 * loop): every change of a tag or a manifest must show in the very next GET, after the cache was filled.
 */
class ManifestCacheTest extends RegistryTestBase {
    private static final String ACCEPT = MediaTypes.OCI_MANIFEST + ", " + MediaTypes.OCI_INDEX;

    private String getDigest(String path) throws Exception {
        var r = send("GET", path, null, "Accept", ACCEPT);
        if (r.statusCode() != 200) return r.statusCode() + " " + errorCode(r);
        return r.headers().firstValue("Docker-Content-Digest").orElseThrow();
    }

    @Test
    void retaggingShowsAtOnce() throws Exception {
        Image a = pushImage("cache/retag", "latest", "one");
        for (int i = 0; i < 3; i++) assertEquals(a.manifest().toString(), getDigest("/v2/cache/retag/manifests/latest"));
        Image b = pushImage("cache/retag", "latest", "two");
        assertNotEquals(a.manifest(), b.manifest());
        assertEquals(b.manifest().toString(), getDigest("/v2/cache/retag/manifests/latest"));
        // the old manifest is still there by digest
        assertEquals(a.manifest().toString(), getDigest("/v2/cache/retag/manifests/" + a.manifest()));
    }

    @Test
    void deletingATagShowsAtOnce() throws Exception {
        Image a = pushImage("cache/deltag", "v1", "one");
        assertEquals(a.manifest().toString(), getDigest("/v2/cache/deltag/manifests/v1"));
        assertEquals(202, send("DELETE", "/v2/cache/deltag/manifests/v1", null).statusCode());
        assertEquals("404 MANIFEST_UNKNOWN", getDigest("/v2/cache/deltag/manifests/v1"));
        assertEquals(a.manifest().toString(), getDigest("/v2/cache/deltag/manifests/" + a.manifest()));
    }

    @Test
    void deletingByDigestShowsAtOnceForTagAndDigest() throws Exception {
        Image a = pushImage("cache/deldigest", "v1", "one");
        String byDigest = "/v2/cache/deldigest/manifests/" + a.manifest();
        assertEquals(a.manifest().toString(), getDigest("/v2/cache/deldigest/manifests/v1"));
        assertEquals(a.manifest().toString(), getDigest(byDigest));
        assertEquals(202, send("DELETE", byDigest, null).statusCode());
        assertEquals("404 MANIFEST_UNKNOWN", getDigest("/v2/cache/deldigest/manifests/v1"));
        assertEquals("404 MANIFEST_UNKNOWN", getDigest(byDigest));
        // pushed again: visible again
        pushManifest("cache/deldigest", "v1", MediaTypes.OCI_MANIFEST, a.manifestBytes());
        assertEquals(a.manifest().toString(), getDigest("/v2/cache/deldigest/manifests/v1"));
        assertEquals(a.manifest().toString(), getDigest(byDigest));
    }

    @Test
    void cachedAnswersMatchTheOrdinaryOnes() throws Exception {
        Image a = pushImage("cache/same", "latest", "one");
        var first = send("GET", "/v2/cache/same/manifests/latest", null, "Accept", ACCEPT);
        // the first GET read the tag link: from now on the manifest is answered from memory
        assertNotNull(server.storage().cachedManifest(new RepositoryName("cache/same"), new ManifestRef.Tag("latest")));
        var second = send("GET", "/v2/cache/same/manifests/latest", null, "Accept", ACCEPT);
        assertEquals(200, second.statusCode());
        assertArrayEquals(a.manifestBytes(), second.body());
        assertArrayEquals(first.body(), second.body());
        for (String h : new String[]{"Content-Type", "Content-Length", "Docker-Content-Digest", "ETag", "Docker-Distribution-API-Version"}) {
            assertEquals(first.headers().allValues(h), second.headers().allValues(h), h);
        }
        var head = send("HEAD", "/v2/cache/same/manifests/latest", null, "Accept", ACCEPT);
        assertEquals(200, head.statusCode());
        assertEquals(0, head.body().length);
        assertEquals(String.valueOf(a.manifestBytes().length), head.headers().firstValue("Content-Length").orElseThrow());
        // an Accept header that excludes the manifest still gets the spec's error, not a cached answer
        var docker = send("GET", "/v2/cache/same/manifests/latest", null, "Accept", MediaTypes.DOCKER_MANIFEST);
        assertEquals(404, docker.statusCode());
        // the repository's other tags and other repositories do not share the entry
        assertEquals("404 MANIFEST_UNKNOWN", getDigest("/v2/cache/same/manifests/other"));
        assertEquals("404 NAME_UNKNOWN", getDigest("/v2/cache/none/manifests/latest"));
    }

    @Test
    void keepAliveConnectionServesManyCachedRequestsInOrder() throws Exception {
        Image a = pushImage("cache/many", "latest", "one");
        // java.net.http reuses one connection: cached answers on the event loop must keep the exchange order intact
        for (int i = 0; i < 50; i++) {
            String path = i % 2 == 0 ? "/v2/cache/many/manifests/latest" : "/v2/cache/many/blobs/" + a.layer();
            var r = send("GET", path, null, "Accept", ACCEPT);
            assertEquals(200, r.statusCode());
            if (i % 2 == 1) assertEquals("one", str(r));
            else assertArrayEquals(a.manifestBytes(), r.body());
        }
    }
}
