package io.wharf.engine.wire;

import io.wharf.common.ErrorKind;
import io.wharf.common.WharfException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Wire-level tests without sockets: framing, routing, version parsing, filters, error mapping, chunked bodies. */
class WireTest {
    @Test
    void stdcopyFrameHasHeaderAndPayload() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StdCopy.write(out, StdCopy.STDOUT, "hi\n".getBytes(), 0, 3);
        assertArrayEquals(new byte[]{1, 0, 0, 0, 0, 0, 0, 3, 'h', 'i', '\n'}, out.toByteArray());
        byte[] big = new byte[70000];
        byte[] f = StdCopy.frame(StdCopy.STDERR, big, 0, big.length);
        assertEquals(2, f[0]);
        assertEquals(70000, ((f[4] & 0xff) << 24) | ((f[5] & 0xff) << 16) | ((f[6] & 0xff) << 8) | (f[7] & 0xff));
        ByteArrayOutputStream none = new ByteArrayOutputStream();
        StdCopy.write(none, StdCopy.STDOUT, new byte[0], 0, 0);
        assertEquals(0, none.size(), "empty writes produce no frame");
    }

    @Test
    void versionPrefixIsStrippedAndChecked() {
        assertEquals(new Router.Target("/containers/json", "1.41"), Router.strip("/v1.41/containers/json"));
        assertEquals("/_ping", Router.strip("/_ping").path());
        assertEquals(ApiVersion.MAX.toString(), Router.strip("/info").version());
        WharfException tooNew = assertThrows(WharfException.class, () -> Router.strip("/v1.99/info"));
        assertEquals(ErrorKind.INVALID_ARGUMENT, tooNew.kind());
        assertEquals("client version 1.99 is too new. Maximum supported API version is " + ApiVersion.MAX, tooNew.getMessage());
        assertThrows(WharfException.class, () -> Router.strip("/v1.12/info"));
        assertTrue(ApiVersion.parse("1.9").compareTo(ApiVersion.parse("1.10")) < 0);
    }

    @Test
    void greedyRouteMatchesUnescapedImageNames() throws Exception {
        String[] seen = new String[2];
        Router r = new Router();
        r.add("POST", "/images/{name*}/push", (q, s) -> seen[0] = q.param("name"));
        r.add("GET", "/images/{name*}/json", (q, s) -> seen[1] = q.param("name"));
        HttpRequest push = new HttpRequest("POST", "/v1.47/images/127.0.0.1:5000/nginx/push?tag=alpine", Map.of(), InputStream.nullInputStream());
        r.handle(push, null);
        assertEquals("127.0.0.1:5000/nginx", seen[0]);
        assertEquals("alpine", push.query("tag"));
        r.handle(new HttpRequest("GET", "/images/nginx:alpine/json", Map.of(), InputStream.nullInputStream()), null);
        assertEquals("nginx:alpine", seen[1]);
        WharfException nf = assertThrows(WharfException.class,
                () -> r.handle(new HttpRequest("GET", "/plugins/x/json", Map.of(), InputStream.nullInputStream()), null));
        assertEquals(ErrorKind.NOT_FOUND, nf.kind());
    }

    @Test
    void filtersAcceptMapAndListForms() {
        Filters m = Filters.parse("{\"status\":{\"exited\":true},\"label\":{\"a=b\":true}}");
        assertEquals(List.of("exited"), m.get("status"));
        assertTrue(m.match("status", "exited"::equals));
        assertFalse(m.match("status", "running"::equals));
        assertTrue(m.match("absent", v -> false), "an absent key matches everything");
        assertTrue(m.matchLabels("label", Map.of("a", "b")));
        assertFalse(m.matchLabels("label", Map.of("a", "c")));
        Filters l = Filters.parse("{\"status\":[\"running\",\"paused\"]}");
        assertEquals(List.of("running", "paused"), l.get("status"));
        assertThrows(WharfException.class, () -> Filters.parse("{not json"));
        assertTrue(Filters.parse(null).values().isEmpty());
    }

    @Test
    void errorKindsMapToDockerStatuses() {
        assertEquals(404, DockerErrors.status(ErrorKind.NOT_FOUND));
        assertEquals(409, DockerErrors.status(ErrorKind.CONFLICT));
        assertEquals(409, DockerErrors.status(ErrorKind.ALREADY_EXISTS));
        assertEquals(400, DockerErrors.status(ErrorKind.INVALID_ARGUMENT));
        assertEquals(304, DockerErrors.status(ErrorKind.NOT_MODIFIED));
        assertEquals(500, DockerErrors.status(ErrorKind.INTERNAL));
        assertEquals(500, DockerErrors.status(DockerErrors.wrap(new IllegalStateException("x")).kind()));
        assertEquals(400, DockerErrors.status(DockerErrors.wrap(new com.fasterxml.jackson.core.JsonParseException(null, "bad")).kind()));
    }

    @Test
    void chunkedBodiesAreDecoded() throws Exception {
        String wire = "POST /v1.47/images/load HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: t\r\n\r\nGET /_ping HTTP/1.1\r\n\r\n";
        InputStream in = new java.io.BufferedInputStream(new ByteArrayInputStream(wire.getBytes(StandardCharsets.ISO_8859_1)));
        HttpServer.Head h = HttpServer.readHead(in);
        assertEquals("POST", h.method());
        assertEquals("chunked", h.headers().get("transfer-encoding"));
        assertEquals("hello world", new String(HttpServer.bodyOf(h, in).readAllBytes(), StandardCharsets.UTF_8));
        HttpServer.Head next = HttpServer.readHead(in);
        assertEquals("/_ping", next.target(), "the next request on a keep-alive connection starts right after the body");
    }

    @Test
    void queryDecodingAndBooleans() {
        HttpRequest r = new HttpRequest("GET", "/containers/json?all=1&filters=%7B%22a%22%3A%5B%22b%22%5D%7D&force=0&t=x", Map.of(), InputStream.nullInputStream());
        assertTrue(r.bool("all"));
        assertFalse(r.bool("force"));
        assertEquals(List.of("b"), r.filters().get("a"));
        assertThrows(WharfException.class, () -> r.intQuery("t"));
    }
}
