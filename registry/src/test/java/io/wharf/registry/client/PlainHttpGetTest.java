package io.wharf.registry.client;

import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.*;

/** The plain-socket blob GET: framing by Content-Length, chunks or close; short bodies fail; the request is sane. */
class PlainHttpGetTest {
    /** Serves one connection: records the request head, then writes {@code response}. */
    static URI serveOnce(byte[] response, CompletableFuture<String> requestHead) throws IOException {
        ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            try (ss; Socket s = ss.accept()) {
                InputStream in = s.getInputStream();
                StringBuilder head = new StringBuilder();
                while (!head.toString().endsWith("\r\n\r\n")) {
                    int c = in.read();
                    if (c < 0) break;
                    head.append((char) c);
                }
                requestHead.complete(head.toString());
                OutputStream out = s.getOutputStream();
                out.write(response);
                out.flush();
            } catch (IOException e) {
                requestHead.completeExceptionally(e);
            }
        });
        return URI.create("http://127.0.0.1:" + ss.getLocalPort() + "/v2/r/blobs/sha256:abc?x=1");
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void contentLengthBodyAndTheRequestItSends() throws Exception {
        CompletableFuture<String> head = new CompletableFuture<>();
        URI u = serveOnce(ascii("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nDocker-Content-Digest: sha256:abc\r\n\r\nhelloEXTRA"), head);
        try (PlainHttpGet.Response r = PlainHttpGet.get(u, Map.of("Authorization", "Bearer t"), Duration.ofSeconds(5))) {
            assertEquals(200, r.status());
            assertEquals("sha256:abc", r.header("docker-content-digest"));
            assertEquals("hello", new String(r.body().readAllBytes(), StandardCharsets.US_ASCII), "only Content-Length bytes");
        }
        String h = head.get();
        assertTrue(h.startsWith("GET /v2/r/blobs/sha256:abc?x=1 HTTP/1.1\r\n"), h);
        assertTrue(h.contains("\r\nHost: 127.0.0.1:" + u.getPort() + "\r\n"), h);
        assertTrue(h.contains("\r\nAuthorization: Bearer t\r\n"), h);
    }

    @Test
    void chunkedBody() throws Exception {
        URI u = serveOnce(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nTrailer: x\r\n\r\n"), new CompletableFuture<>());
        try (PlainHttpGet.Response r = PlainHttpGet.get(u, Map.of(), Duration.ofSeconds(5))) {
            assertEquals("hello, world", new String(r.body().readAllBytes(), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void bodyUntilCloseWithoutFraming() throws Exception {
        URI u = serveOnce(ascii("HTTP/1.0 200 OK\r\n\r\nall of it"), new CompletableFuture<>());
        try (PlainHttpGet.Response r = PlainHttpGet.get(u, Map.of(), Duration.ofSeconds(5))) {
            assertEquals("all of it", new String(r.body().readAllBytes(), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void aBodyCutShortIsAnError() throws Exception {
        URI u = serveOnce(ascii("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this"), new CompletableFuture<>());
        try (PlainHttpGet.Response r = PlainHttpGet.get(u, Map.of(), Duration.ofSeconds(5))) {
            EOFException e = assertThrows(EOFException.class, () -> r.body().readAllBytes());
            assertTrue(e.getMessage().contains("9 of 100"), e.getMessage());
        }
        URI c = serveOnce(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nshort"), new CompletableFuture<>());
        try (PlainHttpGet.Response r = PlainHttpGet.get(c, Map.of(), Duration.ofSeconds(5))) {
            assertThrows(EOFException.class, () -> r.body().readAllBytes());
        }
    }

    @Test
    void otherStatusesComeBackForTheCallerToHandle() throws Exception {
        URI u = serveOnce(ascii("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"r\"\r\nContent-Length: 0\r\n\r\n"), new CompletableFuture<>());
        try (PlainHttpGet.Response r = PlainHttpGet.get(u, Map.of(), Duration.ofSeconds(5))) {
            assertEquals(401, r.status());
            assertEquals("Basic realm=\"r\"", r.header("WWW-Authenticate"));
        }
        URI g = serveOnce(ascii("SSH-2.0-OpenSSH\r\n\r\n"), new CompletableFuture<>());
        assertThrows(IOException.class, () -> PlainHttpGet.get(g, Map.of(), Duration.ofSeconds(5)));
    }
}
