package io.wharf.registry;

import io.wharf.oci.Digest;
import io.wharf.oci.MediaTypes;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/** The "Bad input" list: the spec's code and status, and nothing stored. */
class BadInputTest extends RegistryTestBase {
    @Test
    void wrongDigestMonolithic() throws Exception {
        TreeSet<String> before = storedFiles();
        var r = send("POST", "/v2/w/blobs/uploads/?digest=" + Digest.sha256("other".getBytes()), "data".getBytes(), "Content-Type", "application/octet-stream");
        assertEquals(400, r.statusCode());
        assertEquals("DIGEST_INVALID", errorCode(r));
        assertEquals(before, storedFiles());
        assertEquals(404, send("HEAD", "/v2/w/blobs/" + Digest.sha256("data".getBytes()), null).statusCode());
    }

    @Test
    void wrongDigestOnCompleteRemovesSession() throws Exception {
        var post = send("POST", "/v2/w/blobs/uploads/", null);
        String loc = post.headers().firstValue("Location").orElseThrow();
        var put = send("PUT", loc + "?digest=" + Digest.sha256("x".getBytes()), "y".getBytes(), "Content-Type", "application/octet-stream");
        assertEquals(400, put.statusCode());
        assertEquals("DIGEST_INVALID", errorCode(put));
        assertEquals(404, send("GET", loc, null).statusCode());
        assertEquals(TreeSet.class, storedFiles().getClass());
        assertTrue(storedFiles().stream().noneMatch(p -> p.startsWith("blobs/")), storedFiles()::toString);
    }

    @Test
    void invalidDigestSyntax() throws Exception {
        var r = send("POST", "/v2/w/blobs/uploads/?digest=sha256:zz", "data".getBytes());
        assertEquals(400, r.statusCode());
        assertEquals("DIGEST_INVALID", errorCode(r));
        var put = send("PUT", "/v2/w/blobs/uploads/" + java.util.UUID.randomUUID(), null);
        assertEquals(400, put.statusCode());
        assertEquals("DIGEST_INVALID", errorCode(put));
    }

    @Test
    void truncatedMonolithicUploadStoresNothing() throws Exception {
        TreeSet<String> before = storedFiles();
        byte[] data = new byte[100_000];
        Digest d = Digest.sha256(data);
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /v2/t/blobs/uploads/?digest=" + d + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + data.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(data, 0, 40_000);
            out.flush();
            Thread.sleep(300);
        }
        Thread.sleep(200);
        assertEquals(before, storedFiles());
        assertEquals(404, send("HEAD", "/v2/t/blobs/" + d, null).statusCode());
    }

    @Test
    void unknownUploadSession() throws Exception {
        for (String id : List.of(java.util.UUID.randomUUID().toString(), "not-a-uuid", "..")) {
            var r = send("PATCH", "/v2/u/blobs/uploads/" + id, "x".getBytes(), "Content-Type", "application/octet-stream");
            assertEquals(404, r.statusCode(), id);
            assertEquals("BLOB_UPLOAD_UNKNOWN", errorCode(r));
            assertEquals(404, send("GET", "/v2/u/blobs/uploads/" + id, null).statusCode());
        }
        // a session of another repository is unknown here
        var post = send("POST", "/v2/mine/blobs/uploads/", null);
        String uuid = post.headers().firstValue("Docker-Upload-UUID").orElseThrow();
        assertEquals(404, send("GET", "/v2/theirs/blobs/uploads/" + uuid, null).statusCode());
    }

    @Test
    void manifestReferencingMissingBlobs() throws Exception {
        Digest c = pushBlob("m", "{}".getBytes());
        TreeSet<String> before = storedFiles();
        Digest missing = Digest.sha256("missing".getBytes());
        byte[] m = manifest(MediaTypes.OCI_MANIFEST, c, 2, List.of(missing), List.of(7L), null);
        var r = send("PUT", "/v2/m/manifests/1", m, "Content-Type", MediaTypes.OCI_MANIFEST);
        assertEquals(400, r.statusCode());
        assertEquals("MANIFEST_BLOB_UNKNOWN", errorCode(r));
        assertEquals(missing.toString(), json(r).path("errors").path(0).path("detail").asText());
        String index = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":[{\"mediaType\":\""
                + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + missing + "\",\"size\":7}]}";
        var ri = send("PUT", "/v2/m/manifests/2", index.getBytes(), "Content-Type", MediaTypes.OCI_INDEX);
        assertEquals("MANIFEST_BLOB_UNKNOWN", errorCode(ri));
        assertEquals(before, storedFiles());
    }

    @Test
    void malformedManifests() throws Exception {
        Digest c = pushBlob("m", "{}".getBytes());
        TreeSet<String> before = storedFiles();
        List<String> bad = List.of("{not json", "[]", "{\"schemaVersion\":1}",
                "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\"}",
                "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":{\"digest\":\"sha256:bad\",\"size\":1},\"layers\":[]}",
                "{\"schemaVersion\":2,\"mediaType\":\"application/x-unknown\",\"config\":{\"digest\":\"" + c + "\",\"size\":2},\"layers\":[]}");
        for (String b : bad) {
            var r = send("PUT", "/v2/m/manifests/x", b.getBytes(), "Content-Type", MediaTypes.OCI_MANIFEST);
            assertEquals(400, r.statusCode(), b);
            assertEquals("MANIFEST_INVALID", errorCode(r), b);
        }
        // body mediaType disagreeing with Content-Type
        byte[] m = manifest(MediaTypes.OCI_MANIFEST, c, 2, List.of(), List.of(), null);
        assertEquals("MANIFEST_INVALID", errorCode(send("PUT", "/v2/m/manifests/x", m, "Content-Type", MediaTypes.DOCKER_MANIFEST)));
        // by-digest PUT whose bytes have another digest
        var wrong = send("PUT", "/v2/m/manifests/" + Digest.sha256("x".getBytes()), m, "Content-Type", MediaTypes.OCI_MANIFEST);
        assertEquals(400, wrong.statusCode());
        assertEquals("DIGEST_INVALID", errorCode(wrong));
        assertEquals(before, storedFiles());
    }

    @Test
    void oversizedManifest() throws Exception {
        TreeSet<String> before = storedFiles();
        byte[] big = new byte[RegistryStorage.MAX_MANIFEST_BYTES + 1];
        java.util.Arrays.fill(big, (byte) ' ');
        var r = send("PUT", "/v2/m/manifests/big", big, "Content-Type", MediaTypes.OCI_MANIFEST);
        assertEquals(413, r.statusCode());
        assertEquals("MANIFEST_INVALID", errorCode(r));
        assertEquals(before, storedFiles());
        // the connection (or a new one) still works afterwards
        assertEquals(200, send("GET", "/v2/", null).statusCode());
    }

    @Test
    void badRepositoryNames() throws Exception {
        TreeSet<String> before = storedFiles();
        for (String name : List.of("Upper", "a/../b", "..", "a..b", "-a", "a/", "a//b", "a%2F..%2Fb", "a_-b", "a:b")) {
            var r = send("POST", "/v2/" + name + "/blobs/uploads/?digest=" + Digest.sha256("x".getBytes()), "x".getBytes());
            assertEquals(400, r.statusCode(), name);
            assertEquals("NAME_INVALID", errorCode(r), name);
            var m = send("PUT", "/v2/" + name + "/manifests/latest", "{}".getBytes(), "Content-Type", MediaTypes.OCI_MANIFEST);
            assertEquals("NAME_INVALID", errorCode(m), name);
        }
        assertEquals(before, storedFiles());
        assertFalse(java.nio.file.Files.exists(root.resolve("b")));
    }

    @Test
    void unknownEndpointAndMethod() throws Exception {
        assertEquals(404, send("GET", "/v3/", null).statusCode());
        var r = send("POST", "/v2/x/manifests/1", "{}".getBytes());
        assertEquals(405, r.statusCode());
        assertEquals("UNSUPPORTED", errorCode(r));
    }
}
