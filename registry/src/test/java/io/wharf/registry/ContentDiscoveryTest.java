package io.wharf.registry;

import com.fasterxml.jackson.databind.JsonNode;
import io.wharf.oci.Digest;
import io.wharf.oci.MediaTypes;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** distribution-spec "Content discovery": tags list, catalog, referrers. */
class ContentDiscoveryTest extends RegistryTestBase {
    static List<String> strings(JsonNode arr) {
        List<String> out = new ArrayList<>();
        arr.forEach(x -> out.add(x.asText()));
        return out;
    }

    @Test
    void tagsListWithPagination() throws Exception {
        Image img = pushImage("t", "c", "x");
        for (String tag : List.of("a", "b", "d")) pushManifest("t", tag, MediaTypes.OCI_MANIFEST, img.manifestBytes());
        var all = send("GET", "/v2/t/tags/list", null);
        assertEquals(200, all.statusCode());
        assertEquals("t", json(all).path("name").asText());
        assertEquals(List.of("a", "b", "c", "d"), strings(json(all).path("tags")));
        var p1 = send("GET", "/v2/t/tags/list?n=2", null);
        assertEquals(List.of("a", "b"), strings(json(p1).path("tags")));
        assertEquals("</v2/t/tags/list?n=2&last=b>; rel=\"next\"", p1.headers().firstValue("Link").orElse(null));
        var p2 = send("GET", "/v2/t/tags/list?n=2&last=b", null);
        assertEquals(List.of("c", "d"), strings(json(p2).path("tags")));
        assertTrue(p2.headers().firstValue("Link").isEmpty());
        assertEquals(List.of(), strings(json(send("GET", "/v2/t/tags/list?n=0", null)).path("tags")));
        var unknown = send("GET", "/v2/none/tags/list", null);
        assertEquals(404, unknown.statusCode());
        assertEquals("NAME_UNKNOWN", errorCode(unknown));
    }

    @Test
    void catalogWithPagination() throws Exception {
        pushImage("zeta", "1", "z");
        pushImage("alpha", "1", "a");
        pushImage("library/busybox", "1", "b");
        // a repository with only blobs is not (yet) in the catalog
        pushBlob("blobsonly", "x".getBytes());
        var all = send("GET", "/v2/_catalog", null);
        assertEquals(List.of("alpha", "library/busybox", "zeta"), strings(json(all).path("repositories")));
        var p1 = send("GET", "/v2/_catalog?n=1", null);
        assertEquals(List.of("alpha"), strings(json(p1).path("repositories")));
        assertEquals("</v2/_catalog?n=1&last=alpha>; rel=\"next\"", p1.headers().firstValue("Link").orElse(null));
        var p2 = send("GET", "/v2/_catalog?n=5&last=alpha", null);
        assertEquals(List.of("library/busybox", "zeta"), strings(json(p2).path("repositories")));
    }

    @Test
    void referrers() throws Exception {
        Image img = pushImage("r", "1", "x");
        Digest cfg = pushBlob("r", "{}".getBytes());
        String subject = "\"subject\":{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + img.manifest()
                + "\",\"size\":" + img.manifestBytes().length + "}";
        byte[] sig = manifest(MediaTypes.OCI_MANIFEST, cfg, 2, List.of(), List.of(),
                "\"artifactType\":\"application/vnd.example.sig\",\"annotations\":{\"k\":\"v\"}," + subject);
        byte[] sbom = manifest(MediaTypes.OCI_MANIFEST, cfg, 2, List.of(), List.of(), "\"artifactType\":\"application/vnd.example.sbom\"," + subject);
        Digest sigD = pushManifest("r", Digest.sha256(sig).toString(), MediaTypes.OCI_MANIFEST, sig);
        pushManifest("r", Digest.sha256(sbom).toString(), MediaTypes.OCI_MANIFEST, sbom);

        var all = send("GET", "/v2/r/referrers/" + img.manifest(), null);
        assertEquals(200, all.statusCode());
        assertEquals(MediaTypes.OCI_INDEX, all.headers().firstValue("Content-Type").orElse(null));
        assertEquals(2, json(all).path("manifests").size());
        var filtered = send("GET", "/v2/r/referrers/" + img.manifest() + "?artifactType=application/vnd.example.sig", null);
        assertEquals("artifactType", filtered.headers().firstValue("OCI-Filters-Applied").orElse(null));
        JsonNode ms = json(filtered).path("manifests");
        assertEquals(1, ms.size());
        assertEquals(sigD.toString(), ms.get(0).path("digest").asText());
        assertEquals("application/vnd.example.sig", ms.get(0).path("artifactType").asText());
        assertEquals("v", ms.get(0).path("annotations").path("k").asText());
        assertEquals(sig.length, ms.get(0).path("size").asInt());

        var none = send("GET", "/v2/r/referrers/" + Digest.sha256(new byte[]{7}), null);
        assertEquals(200, none.statusCode());
        assertEquals(0, json(none).path("manifests").size());
        assertEquals(400, send("GET", "/v2/r/referrers/sha256:nothex", null).statusCode());

        // deleting the referrer removes it from the list
        assertEquals(202, send("DELETE", "/v2/r/manifests/" + sigD, null).statusCode());
        assertEquals(1, json(send("GET", "/v2/r/referrers/" + img.manifest(), null)).path("manifests").size());
    }
}
