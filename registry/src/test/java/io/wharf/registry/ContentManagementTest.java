package io.wharf.registry;

import io.wharf.oci.MediaTypes;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** distribution-spec "Content management": deleting tags, manifests and blobs. */
class ContentManagementTest extends RegistryTestBase {
    @Test
    void deleteTagKeepsManifest() throws Exception {
        Image img = pushImage("d", "1", "x");
        pushManifest("d", "2", MediaTypes.OCI_MANIFEST, img.manifestBytes());
        assertEquals(202, send("DELETE", "/v2/d/manifests/1", null).statusCode());
        assertEquals(404, send("GET", "/v2/d/manifests/1", null).statusCode());
        assertEquals(200, send("GET", "/v2/d/manifests/2", null).statusCode());
        assertEquals(200, send("GET", "/v2/d/manifests/" + img.manifest(), null).statusCode());
    }

    @Test
    void deleteManifestByDigestRemovesItsTags() throws Exception {
        Image img = pushImage("d", "1", "x");
        assertEquals(202, send("DELETE", "/v2/d/manifests/" + img.manifest(), null).statusCode());
        var r = send("GET", "/v2/d/manifests/" + img.manifest(), null);
        assertEquals(404, r.statusCode());
        assertEquals("MANIFEST_UNKNOWN", errorCode(r));
        assertEquals(404, send("GET", "/v2/d/manifests/1", null).statusCode());
        assertEquals(0, json(send("GET", "/v2/d/tags/list", null)).path("tags").size());
        assertEquals(404, send("DELETE", "/v2/d/manifests/" + img.manifest(), null).statusCode());
    }

    @Test
    void deleteBlob() throws Exception {
        Image img = pushImage("d", "1", "x");
        var del = send("DELETE", "/v2/d/blobs/" + img.layer(), null);
        assertEquals(202, del.statusCode());
        var r = send("HEAD", "/v2/d/blobs/" + img.layer(), null);
        assertEquals(404, r.statusCode());
        var again = send("DELETE", "/v2/d/blobs/" + img.layer(), null);
        assertEquals(404, again.statusCode());
        assertEquals("BLOB_UNKNOWN", errorCode(again));
    }
}
