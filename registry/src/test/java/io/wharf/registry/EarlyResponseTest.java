package io.wharf.registry;

import io.wharf.oci.MediaTypes;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A response written before the request body was consumed (an error answered from the head alone) must leave the
 * keep-alive connection reading: the rest of the body is skipped and the next request on the same connection is
 * served. Raw sockets, so the client is exactly as eager or as slow as each case needs, and the same connection is
 * certainly reused.
 */
class EarlyResponseTest extends RegistryTestBase {
    @org.junit.jupiter.api.io.TempDir
    Path aux;

    @Override
    RegistryConfig config() {
        try {
            // bcrypt cost 12 makes every check of a wrong password take well over the time the client needs to send
            // 4 MiB on loopback: the whole body is queued (above the high watermark) before the 401 is written
            Path f = aux.resolve("htpasswd");
            byte[] salt = new byte[16];
            new java.security.SecureRandom().nextBytes(salt);
            Files.writeString(f, "alice:" + OpenBSDBCrypt.generate("2y", "s3cret".toCharArray(), salt, 12) + "\n");
            return super.config().withHtpasswd(f);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String basic(String user, String pw) {
        return "Basic " + java.util.Base64.getEncoder().encodeToString((user + ":" + pw).getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] head(String method, String path, long contentLength, String auth) {
        return (method + " " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: " + auth + "\r\nContent-Type: " + MediaTypes.OCI_MANIFEST
                + "\r\nContent-Length: " + contentLength + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** Reads one response with a Content-Length body; returns its status. */
    private static int readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream headBytes = new ByteArrayOutputStream();
        int b, state = 0;
        while (state < 4) {
            b = in.read();
            if (b < 0) throw new IOException("connection closed mid-response: " + headBytes);
            headBytes.write(b);
            state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3)) ? state + 1 : (b == '\r' ? 1 : 0);
        }
        String head = headBytes.toString(StandardCharsets.US_ASCII);
        int status = Integer.parseInt(head.substring(9, 12));
        long len = 0;
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) len = Long.parseLong(line.substring(15).trim());
        }
        assertEquals(len, in.readNBytes((int) len).length, head);
        return status;
    }

    private void assertNextRequestServed(Socket s) throws IOException {
        s.getOutputStream().write(("GET /v2/ HTTP/1.1\r\nHost: x\r\nAuthorization: " + basic("alice", "s3cret") + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        assertEquals(200, readResponse(s.getInputStream()), "the next request on the connection is served");
    }

    /** The case that hung BadInputTest.oversizedManifest: the whole body was queued when the early error went out. */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void errorAfterTheWholeBodyArrivedKeepsTheConnectionReading() throws Exception {
        byte[] big = new byte[BodyStream.HIGH + 1];
        Arrays.fill(big, (byte) ' ');
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000);
            for (int i = 0; i < 2; i++) {
                OutputStream out = s.getOutputStream();
                out.write(head("PUT", "/v2/m/manifests/x" + i, big.length, basic("alice", "wrong" + i)));
                out.write(big);
                out.flush();
                assertEquals(401, readResponse(s.getInputStream()));
                assertNextRequestServed(s);
            }
        }
    }

    /** The error goes out from the head alone; the client only then sends the body, slowly, and reuses the connection. */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void errorBeforeTheBodyIsSentSkipsTheRestOfIt() throws Exception {
        byte[] big = new byte[RegistryStorage.MAX_MANIFEST_BYTES + 1];
        Arrays.fill(big, (byte) ' ');
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(head("PUT", "/v2/m/manifests/big", big.length, basic("alice", "s3cret")));
            out.flush();
            assertEquals(413, readResponse(s.getInputStream()));
            for (int off = 0; off < big.length; off += 1 << 20) {
                out.write(big, off, Math.min(1 << 20, big.length - off));
                out.flush();
                Thread.sleep(20);
            }
            assertNextRequestServed(s);
        }
    }
}
