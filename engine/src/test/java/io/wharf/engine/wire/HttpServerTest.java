package io.wharf.engine.wire;

import io.wharf.common.Json;
import io.wharf.common.WharfException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The HTTP layer over a real loopback socket: keep-alive, chunked bodies, exact error bytes, hijack + half-close. */
class HttpServerTest {
    HttpServer server;
    int port;

    @BeforeEach
    void start() throws IOException {
        Router r = new Router();
        r.add("POST", "/echo", (q, s) -> s.json(200, Map.of("len", q.body().readAllBytes().length)));
        r.add("GET", "/missing", (q, s) -> { throw WharfException.notFound("No such container: x"); });
        r.add("POST", "/stream", (q, s) -> {
            OutputStream o = s.stream(200, "application/json");
            o.write("{\"a\":1}\n".getBytes());
            o.write("{\"b\":2}\n".getBytes());
        });
        r.add("POST", "/hijack", (q, s) -> {
            Hijack h = s.hijack(q.header("upgrade") != null, "application/vnd.docker.raw-stream");
            h.out().write("out".getBytes());
            h.finish(Duration.ofSeconds(5));
        });
        r.add("HEAD", "/_ping", (q, s) -> s.send(200, "text/plain; charset=utf-8", "OK".getBytes()));
        server = new HttpServer(r);
        port = server.bindTcp("127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        in.transferTo(b);
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void keepAliveChunkedBodyAndErrors() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream o = s.getOutputStream();
            o.write(("POST /v1.41/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n"
                    + "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n"
                    + "GET /missing HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "HEAD /_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            String all = readAll(s.getInputStream());
            String[] responses = all.split("(?=HTTP/1.1 )");
            assertEquals(3, responses.length, all);
            assertTrue(responses[0].startsWith("HTTP/1.1 200 OK\r\n"), responses[0]);
            assertTrue(responses[0].endsWith("{\"len\":7}"), responses[0]);
            assertTrue(responses[1].startsWith("HTTP/1.1 404 Not Found\r\n"), responses[1]);
            assertTrue(responses[1].contains("\r\nContent-Type: application/json\r\n"), "exactly application/json");
            assertTrue(responses[1].endsWith("{\"message\":\"No such container: x\"}"), responses[1]);
            for (String r : responses) {
                assertTrue(r.contains("\r\nApi-Version: " + ApiVersion.MAX + "\r\n"), r);
                assertTrue(r.contains("\r\nServer: Docker/"), r);
                assertTrue(r.contains("\r\nOstype: linux\r\n"), r);
            }
            assertTrue(responses[2].endsWith("\r\n\r\n"), "HEAD has no body: " + responses[2]);
        }
    }

    @Test
    void streamsAreChunkedPerMessage() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write("POST /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes());
            String all = readAll(s.getInputStream());
            assertTrue(all.contains("Transfer-Encoding: chunked\r\n"), all);
            assertTrue(all.endsWith("\r\n\r\n8\r\n{\"a\":1}\n\r\n8\r\n{\"b\":2}\n\r\n0\r\n\r\n"), all);
            assertEquals(Map.of("a", 1), Json.MAPPER.readValue("{\"a\":1}", Map.class));
        }
    }

    @Test
    void hijackSendsExact101ThenHalfClosesAndDrains() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream o = s.getOutputStream();
            o.write("POST /v1.47/hijack HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: text/plain\r\n\r\n".getBytes());
            // stdin bytes the server never consumes: closing with them unread would make the kernel send a RST
            o.write("unread stdin".getBytes());
            o.flush();
            InputStream in = s.getInputStream();
            String head = "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n";
            byte[] got = in.readNBytes(head.length() + 3);
            assertEquals(head + "out", new String(got, StandardCharsets.ISO_8859_1));
            assertEquals(-1, in.read(), "the server half-closed its side");
            // our side still works (the server drains until we close): no reset on write
            o.write("more".getBytes());
            o.flush();
            s.shutdownOutput();
        }
    }

    @Test
    void malformedRequestLineGets400ThenClose() throws Exception {
        for (String bad : new String[]{"NONSENSE\r\n\r\n", "GET /x\r\n\r\n", "GET /x FTP/9\r\n\r\n",
                "POST /echo HTTP/1.1\r\nContent-Length: zz\r\n\r\n"}) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.getOutputStream().write(bad.getBytes());
                s.setSoTimeout(5000);
                String got = readAll(s.getInputStream());
                assertTrue(got.startsWith("HTTP/1.1 400 Bad Request\r\n"), bad + " -> " + got);
                assertTrue(got.contains("Connection: close\r\n\r\n400 Bad Request"), got);
            }
        }
    }
}
