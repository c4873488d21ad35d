package io.wharf.registry;

import io.wharf.oci.Digest;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The states a crash can leave (a torn temporary, a blob renamed but never linked, a link whose blob never reached
 * the disk, an abandoned upload) and how the registry treats them: invisible, then collected.
 */
class CrashLeftoversTest extends RegistryTestBase {
    @Test
    void leftoversAreInvisibleAndCollected() throws Exception {
        Image img = pushImage("app", "1", "kept");
        // a torn temporary beside a tag link
        Path tagDir = root.resolve("repositories/app/_manifests/tags/1/current");
        Files.writeString(tagDir.resolve(".link.tmp-1-1"), "sha256:torn");
        // a blob moved into place but never linked (crash between rename and link)
        Digest unlinked = Digest.sha256("unlinked".getBytes());
        Path data = root.resolve(RegistryStorage.blobData(unlinked));
        Files.createDirectories(data.getParent());
        Files.writeString(data, "unlinked");
        // a layer link whose blob is missing
        Digest ghost = Digest.sha256("ghost".getBytes());
        Path link = root.resolve(RegistryStorage.layerLink(RepositoryName.parse("app"), ghost));
        Files.createDirectories(link.getParent());
        Files.writeString(link, ghost.toString());
        // an abandoned upload session
        var post = send("POST", "/v2/app/blobs/uploads/", null);
        assertEquals(202, post.statusCode());

        assertEquals(200, send("GET", "/v2/app/manifests/1", null).statusCode());
        assertEquals("[\"1\"]", json(send("GET", "/v2/app/tags/list", null)).path("tags").toString());
        assertEquals(404, send("HEAD", "/v2/app/blobs/" + unlinked, null).statusCode());
        assertEquals(404, send("HEAD", "/v2/app/blobs/" + ghost, null).statusCode());
        // a mount of the ghost does not pretend: the client is told to upload
        assertEquals(202, send("POST", "/v2/other/blobs/uploads/?mount=" + ghost + "&from=app", null).statusCode());

        var gc = new GarbageCollector(server.storage(), java.time.Clock.offset(java.time.Clock.systemUTC(), Duration.ofDays(30)));
        var res = gc.run(Duration.ofHours(1), Duration.ofDays(7));
        assertFalse(Files.exists(data));
        assertFalse(Files.exists(link));
        assertEquals(2, res.uploadsPurged());
        // the image itself survives everything
        assertArrayEquals("kept".getBytes(), send("GET", "/v2/app/blobs/" + img.layer(), null).body());
    }

    @Test
    void expectContinueIsAnswered() throws Exception {
        byte[] body = "continued".getBytes(StandardCharsets.US_ASCII);
        Digest d = Digest.sha256(body);
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(("POST /v2/ec/blobs/uploads/?digest=" + d + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length
                    + "\r\nExpect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            byte[] buf = new byte[25];
            int n = in.readNBytes(buf, 0, 25);
            assertTrue(new String(buf, 0, n, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 100 Continue"));
            s.getOutputStream().write(body);
            byte[] rest = new byte[4096];
            int k = in.read(rest);
            assertTrue(new String(rest, 0, k, StandardCharsets.US_ASCII).contains("201 Created"));
        }
        assertEquals(200, send("HEAD", "/v2/ec/blobs/" + d, null).statusCode());
    }
}
