package io.wharf.registry;

import io.wharf.oci.Digest;
import io.wharf.oci.MediaTypes;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** distribution-spec "Push": POST/PUT, monolithic, chunked, mount, manifests, resumable uploads. */
class PushTest extends RegistryTestBase {
    String location(java.net.http.HttpResponse<?> r) {
        String loc = r.headers().firstValue("Location").orElseThrow();
        return loc.startsWith("http") ? loc : base + loc;
    }

    static String withParam(String url, String kv) {
        return url + (url.contains("?") ? "&" : "?") + kv;
    }

    @Test
    void postThenPut() throws Exception {
        byte[] data = "hello".getBytes(StandardCharsets.US_ASCII);
        Digest d = Digest.sha256(data);
        var post = send("POST", "/v2/p/blobs/uploads/", null);
        assertEquals(202, post.statusCode());
        assertTrue(post.headers().firstValue("Docker-Upload-UUID").isPresent());
        var put = send("PUT", withParam(location(post), "digest=" + d), data, "Content-Type", "application/octet-stream");
        assertEquals(201, put.statusCode(), () -> str(put));
        assertEquals("/v2/p/blobs/" + d, put.headers().firstValue("Location").orElse(null));
        assertEquals(d.toString(), put.headers().firstValue("Docker-Content-Digest").orElse(null));
        assertEquals(200, send("HEAD", "/v2/p/blobs/" + d, null).statusCode());
    }

    @Test
    void chunkedUploadInOrderOnly() throws Exception {
        byte[] data = new byte[300_000];
        new Random(2).nextBytes(data);
        Digest d = Digest.sha256(data);
        var post = send("POST", "/v2/c/blobs/uploads/", null);
        String loc = location(post);
        var p1 = send("PATCH", loc, Arrays.copyOfRange(data, 0, 100_000), "Content-Range", "0-99999", "Content-Type", "application/octet-stream");
        assertEquals(202, p1.statusCode(), () -> str(p1));
        assertEquals("0-99999", p1.headers().firstValue("Range").orElse(null));
        loc = location(p1);
        // a chunk that does not start where the upload ends is refused with 416
        var bad = send("PATCH", loc, Arrays.copyOfRange(data, 150_000, 200_000), "Content-Range", "150000-199999", "Content-Type", "application/octet-stream");
        assertEquals(416, bad.statusCode());
        var status = send("GET", loc, null);
        assertEquals(204, status.statusCode());
        assertEquals("0-99999", status.headers().firstValue("Range").orElse(null));
        var p2 = send("PATCH", loc, Arrays.copyOfRange(data, 100_000, 250_000), "Content-Range", "100000-249999", "Content-Type", "application/octet-stream");
        assertEquals(202, p2.statusCode());
        var put = send("PUT", withParam(location(p2), "digest=" + d), Arrays.copyOfRange(data, 250_000, data.length), "Content-Type", "application/octet-stream");
        assertEquals(201, put.statusCode(), () -> str(put));
        assertEquals(d, Digest.sha256(send("GET", "/v2/c/blobs/" + d, null).body()));
    }

    @Test
    void crossRepositoryMount() throws Exception {
        Digest d = pushBlob("src", "shared".getBytes(StandardCharsets.US_ASCII));
        var m = send("POST", "/v2/dst/blobs/uploads/?mount=" + d + "&from=src", null);
        assertEquals(201, m.statusCode());
        assertEquals("/v2/dst/blobs/" + d, m.headers().firstValue("Location").orElse(null));
        assertEquals(200, send("HEAD", "/v2/dst/blobs/" + d, null).statusCode());
        // source lacks the blob: the registry starts an ordinary upload instead
        var no = send("POST", "/v2/dst/blobs/uploads/?mount=" + Digest.sha256(new byte[]{9}) + "&from=src", null);
        assertEquals(202, no.statusCode());
    }

    @Test
    void manifestPushByTagAndDigestAndDockerTypes() throws Exception {
        Digest c = pushBlob("m", "{}".getBytes()), l = pushBlob("m", "layer".getBytes());
        byte[] docker = manifest(MediaTypes.DOCKER_MANIFEST, c, 2, List.of(l), List.of(5L), null);
        var put = send("PUT", "/v2/m/manifests/" + Digest.sha256(docker), docker, "Content-Type", MediaTypes.DOCKER_MANIFEST);
        assertEquals(201, put.statusCode(), () -> str(put));
        assertEquals("/v2/m/manifests/" + Digest.sha256(docker), put.headers().firstValue("Location").orElse(null));
        String list = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST_LIST + "\",\"manifests\":[{\"mediaType\":\""
                + MediaTypes.DOCKER_MANIFEST + "\",\"digest\":\"" + Digest.sha256(docker) + "\",\"size\":" + docker.length
                + ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}";
        pushManifest("m", "v1", MediaTypes.DOCKER_MANIFEST_LIST, list.getBytes());
        var g = send("GET", "/v2/m/manifests/v1", null, "Accept", MediaTypes.DOCKER_MANIFEST_LIST + "," + MediaTypes.DOCKER_MANIFEST);
        assertEquals(MediaTypes.DOCKER_MANIFEST_LIST, g.headers().firstValue("Content-Type").orElse(null));
        assertEquals(list, str(g));
        // retagging replaces the tag
        pushManifest("m", "v1", MediaTypes.DOCKER_MANIFEST, docker);
        assertEquals(MediaTypes.DOCKER_MANIFEST, send("GET", "/v2/m/manifests/v1", null).headers().firstValue("Content-Type").orElse(null));
    }

    @Test
    void subjectPushAnswersOciSubject() throws Exception {
        Image img = pushImage("s", "1", "x");
        Digest cfg = pushBlob("s", "{}".getBytes());
        byte[] sig = manifest(MediaTypes.OCI_MANIFEST, cfg, 2, List.of(), List.of(),
                "\"artifactType\":\"application/vnd.example.sig\",\"subject\":{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST
                        + "\",\"digest\":\"" + img.manifest() + "\",\"size\":" + img.manifestBytes().length + "}");
        var r = send("PUT", "/v2/s/manifests/" + Digest.sha256(sig), sig, "Content-Type", MediaTypes.OCI_MANIFEST);
        assertEquals(201, r.statusCode(), () -> str(r));
        assertEquals(img.manifest().toString(), r.headers().firstValue("OCI-Subject").orElse(null));
    }

    @Test
    void cancelUpload() throws Exception {
        var post = send("POST", "/v2/x/blobs/uploads/", null);
        String loc = location(post);
        assertEquals(204, send("DELETE", loc, null).statusCode());
        var gone = send("GET", loc, null);
        assertEquals(404, gone.statusCode());
        assertEquals("BLOB_UPLOAD_UNKNOWN", errorCode(gone));
    }

    @Test
    void uploadResumesAfterDroppedConnection() throws Exception {
        byte[] data = new byte[200_000];
        new Random(3).nextBytes(data);
        Digest d = Digest.sha256(data);
        var post = send("POST", "/v2/resume/blobs/uploads/", null);
        String path = post.headers().firstValue("Location").orElseThrow();
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            OutputStream out = s.getOutputStream();
            out.write(("PATCH " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                    + data.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(data, 0, 80_000);
            out.flush();
            Thread.sleep(300);
        } // dropped mid-body
        long have = 0;
        for (int i = 0; i < 50 && have < 80_000; i++) {
            var st = send("GET", path, null);
            assertEquals(204, st.statusCode());
            have = Long.parseLong(st.headers().firstValue("Range").orElseThrow().split("-")[1]) + 1;
            if (have < 80_000) Thread.sleep(50);
        }
        assertEquals(80_000, have);
        var p = send("PATCH", path, Arrays.copyOfRange(data, (int) have, data.length), "Content-Range", have + "-" + (data.length - 1), "Content-Type", "application/octet-stream");
        assertEquals(202, p.statusCode(), () -> str(p));
        var put = send("PUT", withParam(location(p), "digest=" + d), null);
        assertEquals(201, put.statusCode(), () -> str(put));
    }

    @Test
    void uploadSurvivesServerRestart() throws Exception {
        byte[] data = "0123456789".getBytes();
        var post = send("POST", "/v2/restart/blobs/uploads/", null);
        String path = post.headers().firstValue("Location").orElseThrow();
        assertEquals(202, send("PATCH", path, Arrays.copyOfRange(data, 0, 4), "Content-Type", "application/octet-stream").statusCode());
        server.close();
        server = new RegistryServer(config().withListen("127.0.0.1", 0));
        server.start();
        base = "http://127.0.0.1:" + server.port();
        var p = send("PATCH", path, Arrays.copyOfRange(data, 4, 10), "Content-Range", "4-9", "Content-Type", "application/octet-stream");
        assertEquals(202, p.statusCode(), () -> str(p));
        var put = send("PUT", withParam(path, "digest=" + Digest.sha256(data)), null);
        assertEquals(201, put.statusCode(), () -> str(put));
    }

    @Test
    void pipelinedAndKeepAliveRequestsStayInOrder() throws Exception {
        Digest d = pushBlob("ka", "abc".getBytes());
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            String req = "HEAD /v2/ka/blobs/" + d + " HTTP/1.1\r\nHost: x\r\n\r\n";
            s.getOutputStream().write((req + "GET /v2/ka/blobs/" + d + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.setSoTimeout(5000);
            InputStream in = s.getInputStream();
            StringBuilder sb = new StringBuilder();
            byte[] buf = new byte[4096];
            while (!sb.toString().endsWith("abc")) {
                int n = in.read(buf);
                if (n < 0) break;
                sb.append(new String(buf, 0, n, StandardCharsets.US_ASCII));
            }
            String all = sb.toString();
            assertEquals(2, all.split("HTTP/1.1 200 OK", -1).length - 1, all);
            assertTrue(all.endsWith("abc"), all);
        }
    }
}
