package io.wharf.registry.client;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 GET over a plain socket, its body read straight off the socket into the caller's buffer: the fast path
 * for blob downloads from plain-HTTP (insecure, loopback) registries. {@code java.net.http}'s body pipeline (16 KiB
 * buffers handed between its selector thread and the reader) moves a 100 MiB layer 4-6x slower on loopback than a
 * socket read does (measured: ~200-300 ms vs ~50 ms), which was most of a {@code docker pull}'s download time.
 *
 * <p>Only the simple case is handled here: the caller sends its own headers and falls back to the full client for
 * anything but a 200/206 (auth challenges, redirects, errors). Bodies framed by Content-Length, chunked encoding, or
 * connection close; a body cut short is an {@link EOFException}. {@code Connection: close}: one socket per blob.
 */
final class PlainHttpGet {
    private PlainHttpGet() {}

    /** A response whose body is still on the socket; closing it closes the socket. */
    record Response(int status, Map<String, String> headers, InputStream body) implements AutoCloseable {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        @Override
        public void close() throws IOException {
            body.close();
        }
    }

    private static final int MAX_HEAD = 64 * 1024;

    static Response get(URI uri, Map<String, String> headers, Duration connectTimeout) throws IOException {
        if (!"http".equals(uri.getScheme())) throw new IllegalArgumentException("plain HTTP only: " + uri);
        int port = uri.getPort() < 0 ? 80 : uri.getPort();
        Socket s = new Socket();
        boolean ok = false;
        try {
            s.setTcpNoDelay(true);
            s.setReceiveBufferSize(4 << 20);
            s.connect(new InetSocketAddress(uri.getHost(), port), (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
            StringBuilder req = new StringBuilder(256);
            String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            req.append("GET ").append(path);
            if (uri.getRawQuery() != null) req.append('?').append(uri.getRawQuery());
            req.append(" HTTP/1.1\r\nHost: ").append(uri.getRawAuthority()).append("\r\n");
            req.append("User-Agent: wharf\r\nAccept-Encoding: identity\r\nConnection: close\r\n");
            for (Map.Entry<String, String> h : headers.entrySet()) {
                req.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
            }
            req.append("\r\n");
            OutputStream out = s.getOutputStream();
            out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream raw = s.getInputStream();
            // the head, read in blocks; whatever body bytes came with it are served first
            byte[] buf = new byte[16 * 1024];
            int len = 0, end;
            while ((end = headEnd(buf, len)) < 0) {
                if (len == buf.length) {
                    if (buf.length >= MAX_HEAD) throw new IOException("response head larger than " + MAX_HEAD + " bytes");
                    buf = java.util.Arrays.copyOf(buf, buf.length * 2);
                }
                int k = raw.read(buf, len, buf.length - len);
                if (k < 0) throw new EOFException("connection closed before the response head");
                len += k;
            }
            String[] lines = new String(buf, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
            String[] status = lines[0].split(" ", 3);
            if (status.length < 2 || !status[0].startsWith("HTTP/1.")) throw new IOException("not an HTTP/1.x response: " + lines[0]);
            int code;
            try {
                code = Integer.parseInt(status[1]);
            } catch (NumberFormatException e) {
                throw new IOException("bad status line: " + lines[0]);
            }
            Map<String, String> hs = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int c = lines[i].indexOf(':');
                if (c <= 0) continue;
                hs.merge(lines[i].substring(0, c).trim().toLowerCase(Locale.ROOT), lines[i].substring(c + 1).trim(), (a, b) -> a + ", " + b);
            }
            InputStream body = new Prefixed(buf, end + 4, len, raw, s);
            String te = hs.get("transfer-encoding");
            String cl = hs.get("content-length");
            if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
                body = new Chunked(body);
            } else if (cl != null) {
                long n;
                try {
                    n = Long.parseLong(cl.trim());
                } catch (NumberFormatException e) {
                    throw new IOException("bad Content-Length: " + cl);
                }
                body = new Bounded(body, n);
            }
            ok = true;
            return new Response(code, hs, body);
        } finally {
            if (!ok) s.close();
        }
    }

    /** Index of the blank line ending the head in {@code b[0, len)}, or -1. */
    private static int headEnd(byte[] b, int len) {
        for (int i = 0; i + 3 < len; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') return i;
        }
        return -1;
    }

    /** Bytes already read past the head, then the socket; closing closes the socket. */
    private static final class Prefixed extends InputStream {
        private final byte[] pre;
        private int pos;
        private final int end;
        private final InputStream in;
        private final Socket socket;

        Prefixed(byte[] pre, int pos, int end, InputStream in, Socket socket) {
            this.pre = pre;
            this.pos = pos;
            this.end = end;
            this.in = in;
            this.socket = socket;
        }

        @Override
        public int read() throws IOException {
            if (pos < end) return pre[pos++] & 0xff;
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            if (pos < end) {
                int n = Math.min(len, end - pos);
                System.arraycopy(pre, pos, b, off, n);
                pos += n;
                return n;
            }
            return in.read(b, off, len);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** Exactly {@code left} bytes; fewer is an EOFException. */
    private static final class Bounded extends InputStream {
        private final InputStream in;
        private long left;
        private final long total;

        Bounded(InputStream in, long total) {
            this.in = in;
            this.left = total;
            this.total = total;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) return -1;
            if (len == 0) return 0;
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) throw new EOFException("connection closed after " + (total - left) + " of " + total + " bytes");
            left -= n;
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** Transfer-Encoding: chunked (trailers are skipped). */
    private static final class Chunked extends InputStream {
        private final InputStream in;
        private long left;
        private boolean done;

        Chunked(InputStream in) {
            this.in = in;
        }

        private String line() throws IOException {
            StringBuilder b = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                if (c != '\r') b.append((char) c);
                if (b.length() > 4096) throw new IOException("chunk header too long");
            }
            if (c < 0) throw new EOFException("connection closed inside a chunked body");
            return b.toString();
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) return -1;
            if (len == 0) return 0;
            if (left == 0) {
                String size = line();
                int semi = size.indexOf(';');
                try {
                    left = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                } catch (NumberFormatException e) {
                    throw new IOException("bad chunk size: " + size);
                }
                if (left == 0) {
                    while (!line().isEmpty()) { /* trailers */ }
                    done = true;
                    return -1;
                }
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) throw new EOFException("connection closed inside a chunk");
            left -= n;
            if (left == 0) line(); // the CRLF after the chunk
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
