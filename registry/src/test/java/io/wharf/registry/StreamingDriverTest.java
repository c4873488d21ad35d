package io.wharf.registry;

import io.wharf.oci.Digest;
import io.wharf.registry.storage.InMemoryDriver;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The server over a driver without local files: blobs are streamed, not sent with sendfile. */
class StreamingDriverTest extends RegistryTestBase {
    @Override
    @org.junit.jupiter.api.BeforeEach
    void startServer() throws Exception {
        server = new RegistryServer(config(), new InMemoryDriver(), Clock.systemUTC());
        server.start();
        http = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build();
        base = "http://127.0.0.1:" + server.port();
    }

    @Test
    void pushAndPullThroughStreams() throws Exception {
        byte[] data = new byte[1_500_000];
        new Random(6).nextBytes(data);
        Digest d = pushBlob("mem/repo", data);
        var g = send("GET", "/v2/mem/repo/blobs/" + d, null);
        assertEquals(200, g.statusCode());
        assertArrayEquals(data, g.body());
        var h = send("HEAD", "/v2/mem/repo/blobs/" + d, null);
        assertEquals(String.valueOf(data.length), h.headers().firstValue("Content-Length").orElse(null));
        assertEquals(0, h.body().length);
        var part = send("GET", "/v2/mem/repo/blobs/" + d, null, "Range", "bytes=100-199");
        assertEquals(206, part.statusCode());
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 100, 200), part.body());
        Image img = pushImage("mem/repo", "1", "layer");
        assertArrayEquals(img.manifestBytes(), send("GET", "/v2/mem/repo/manifests/1", null).body());
        assertEquals(java.util.List.of("mem/repo"), ContentDiscoveryTest.strings(json(send("GET", "/v2/_catalog", null)).path("repositories")));
        server.garbageCollect();
        assertEquals(200, send("GET", "/v2/mem/repo/blobs/" + img.layer(), null).statusCode());
    }
}
