package io.wharf.engine.wire;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A small HTTP/1.1 server with one virtual thread per connection over blocking NIO channels (unix socket and TCP).
 *
 * <p>Why not Netty here: the Docker API is dominated by long-lived blocking conversations (a wait that flushes its
 * headers and then blocks, hijacked attach/exec sockets with half-close and drain, log follows, multi-GB chunked
 * uploads consumed by blocking tar code). On a virtual thread each of these is straight-line code over the socket;
 * with Netty each needs a bridge between the event loop and blocking code with its own back-pressure and
 * pipeline surgery for hijacking. The docker CLI opens several connections at once (§1 of the wire notes), which a
 * thread per connection serves directly.
 */
public final class HttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpServer.class);
    /** Per-request timing (enable with -Dorg.slf4j.simpleLogger.log.io.wharf.engine.trace=debug): where a CLI command's time goes. */
    private static final Logger trace = LoggerFactory.getLogger("io.wharf.engine.trace");

    @FunctionalInterface
    public interface Handler {
        void handle(HttpRequest req, HttpResponse resp) throws Exception;
    }

    private final Handler handler;
    private final List<ServerSocketChannel> servers = new CopyOnWriteArrayList<>();
    private final Set<SocketChannel> conns = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    public HttpServer(Handler handler) {
        this.handler = handler;
    }

    /** Listens on a unix socket at {@code path} (a stale socket file is replaced) with permissions like "rw-rw----". */
    public void bindUnix(Path path, String perms) throws IOException {
        Files.createDirectories(path.toAbsolutePath().getParent());
        Files.deleteIfExists(path);
        ServerSocketChannel ss = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        ss.bind(UnixDomainSocketAddress.of(path), 1024);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(perms));
        start(ss);
    }

    /** Listens on TCP; returns the bound port (0 picks a free one). */
    public int bindTcp(String host, int port) throws IOException {
        ServerSocketChannel ss = ServerSocketChannel.open();
        ss.bind(new InetSocketAddress(host, port), 1024);
        start(ss);
        return ((InetSocketAddress) ss.getLocalAddress()).getPort();
    }

    private void start(ServerSocketChannel ss) {
        servers.add(ss);
        Thread.ofVirtual().name("http-accept").start(() -> {
            while (!closed) {
                try {
                    SocketChannel ch = ss.accept();
                    conns.add(ch);
                    Thread.ofVirtual().name("http-conn").start(() -> serve(ch));
                } catch (IOException e) {
                    if (!closed) log.warn("accept failed: {}", e.toString());
                    if (!ss.isOpen()) return;
                }
            }
        });
    }

    private void serve(SocketChannel ch) {
        boolean hijacked = false;
        try {
            BufferedInputStream in = new BufferedInputStream(new ChannelIn(ch), 64 * 1024);
            OutputStream out = new ChannelOut(ch);
            while (!closed) {
                Head head = readHead(in);
                if (head == null) return;
                InputStream body = bodyOf(head, in);
                HttpRequest req = new HttpRequest(head.method, head.target, head.headers, body);
                boolean keepAlive = !"close".equalsIgnoreCase(head.headers.get("connection")) && head.version.equals("HTTP/1.1");
                HttpResponse resp = new HttpResponse(ch, in, out, head.method.equals("HEAD"), keepAlive, () -> conns.remove(ch));
                long t0 = trace.isDebugEnabled() ? System.nanoTime() : 0;
                try {
                    handler.handle(req, resp);
                } catch (Throwable t) {
                    if (resp.hijacked()) {
                        log.debug("hijacked handler failed", t);
                    } else if (!resp.committed()) {
                        resp.error(t);
                    } else {
                        log.debug("handler failed after the response began: {}", t.toString());
                        resp.abort();
                        return;
                    }
                }
                if (t0 != 0) trace.debug("{} {} {} us{}", head.method, head.target, (System.nanoTime() - t0) / 1000, resp.hijacked() ? " (hijacked)" : "");
                if (resp.hijacked()) {
                    hijacked = true;
                    return; // the hijacker owns and closes the socket
                }
                resp.finish();
                if (!resp.keepAlive()) return;
                // Keep-alive needs the unread rest of the body consumed; a huge leftover is cheaper to drop by closing.
                if (body.skip(Long.MAX_VALUE) < 0 || body.read() >= 0) return;
            }
        } catch (BadRequest e) {
            // Go's net/http (and so dockerd) answers an unparsable request with a bare 400 and closes; a client
            // then sees why instead of an unexplained EOF.
            log.debug("bad request: {}", e.getMessage());
            try {
                byte[] b = ("HTTP/1.1 " + e.status + "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"
                        + e.status).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                ch.write(java.nio.ByteBuffer.wrap(b));
            } catch (IOException ignored) {
            }
        } catch (IOException e) {
            log.trace("connection ended: {}", e.toString());
        } catch (RuntimeException e) {
            log.debug("connection failed", e);
        } finally {
            if (!hijacked) {
                conns.remove(ch);
                try {
                    ch.close();
                } catch (IOException ignored) {
                }
            }
        }
    }

    /** A request the server cannot parse; answered with {@link #status} before the connection closes. */
    static final class BadRequest extends IOException {
        final String status;

        BadRequest(String status, String why) {
            super(why);
            this.status = status;
        }
    }

    record Head(String method, String target, String version, Map<String, String> headers) {}

    /** Reads the request line and headers; null on a clean EOF before a new request. */
    static Head readHead(InputStream in) throws IOException {
        String line = readLine(in);
        while (line != null && line.isEmpty()) line = readLine(in); // tolerate stray CRLF between requests
        if (line == null) return null;
        String[] parts = line.split(" ");
        if (parts.length != 3 || parts[0].isEmpty() || !parts[1].startsWith("/") && !parts[1].startsWith("http")
                || !parts[2].startsWith("HTTP/1.")) {
            throw new BadRequest("400 Bad Request", "malformed request line: " + line);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        int total = 0;
        for (String h; (h = readLine(in)) != null && !h.isEmpty(); ) {
            total += h.length();
            if (total > 1 << 20) throw new BadRequest("431 Request Header Fields Too Large", "request headers too large");
            int c = h.indexOf(':');
            if (c <= 0) continue;
            String k = h.substring(0, c).trim().toLowerCase(Locale.ROOT);
            String v = h.substring(c + 1).trim();
            headers.merge(k, v, (a, b) -> a + ", " + b);
        }
        return new Head(parts[0], parts[1], parts[2], headers);
    }

    static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                int n = sb.length();
                if (n > 0 && sb.charAt(n - 1) == '\r') sb.setLength(n - 1);
                return sb.toString();
            }
            sb.append((char) c);
            if (sb.length() > 65536) throw new BadRequest("431 Request Header Fields Too Large", "line too long");
        }
        return sb.isEmpty() ? null : sb.toString();
    }

    static InputStream bodyOf(Head head, InputStream in) throws IOException {
        String te = head.headers.get("transfer-encoding");
        if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) return new ChunkedInputStream(in);
        String cl = head.headers.get("content-length");
        if (cl != null) {
            try {
                return new BoundedInputStream(in, Long.parseLong(cl.trim()));
            } catch (NumberFormatException e) {
                throw new BadRequest("400 Bad Request", "bad Content-Length");
            }
        }
        return InputStream.nullInputStream();
    }

    @Override
    public void close() {
        closed = true;
        for (ServerSocketChannel s : servers) {
            try {
                s.close();
            } catch (IOException ignored) {
            }
        }
        for (SocketChannel c : conns) {
            try {
                c.close();
            } catch (IOException ignored) {
            }
        }
    }

    /** Reads without the channel-wide lock that Channels.newInputStream may take, so reads and writes overlap. */
    static final class ChannelIn extends InputStream {
        private final SocketChannel ch;

        ChannelIn(SocketChannel ch) { this.ch = ch; }

        @Override
        public int read() throws IOException {
            byte[] b = new byte[1];
            int n = read(b, 0, 1);
            return n <= 0 ? -1 : b[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            int n = ch.read(ByteBuffer.wrap(b, off, len));
            return n < 0 ? -1 : n;
        }
    }

    static final class ChannelOut extends OutputStream {
        private final SocketChannel ch;

        ChannelOut(SocketChannel ch) { this.ch = ch; }

        @Override
        public void write(int b) throws IOException {
            write(new byte[]{(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ByteBuffer buf = ByteBuffer.wrap(b, off, len);
            synchronized (this) {
                while (buf.hasRemaining()) ch.write(buf);
            }
        }
    }

    static final class BoundedInputStream extends InputStream {
        private final InputStream in;
        private long left;

        BoundedInputStream(InputStream in, long len) { this.in = in; this.left = len; }

        @Override
        public int read() throws IOException {
            if (left <= 0) return -1;
            int c = in.read();
            if (c >= 0) left--;
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) return -1;
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) left -= n;
            if (n < 0) throw new IOException("unexpected EOF in request body");
            return n;
        }
    }

    /** Decodes a chunked request body (RFC 9112 §7.1); trailers are read and ignored. */
    static final class ChunkedInputStream extends InputStream {
        private final InputStream in;
        private long left;
        private boolean eof;

        ChunkedInputStream(InputStream in) { this.in = in; }

        private boolean nextChunk() throws IOException {
            if (eof) return false;
            if (left > 0) return true;
            String line = readLine(in);
            if (line == null) throw new IOException("unexpected EOF in chunked body");
            int semi = line.indexOf(';');
            String hex = (semi < 0 ? line : line.substring(0, semi)).trim();
            if (hex.isEmpty()) { // the CRLF that ends the previous chunk
                line = readLine(in);
                if (line == null) throw new IOException("unexpected EOF in chunked body");
                semi = line.indexOf(';');
                hex = (semi < 0 ? line : line.substring(0, semi)).trim();
            }
            try {
                left = Long.parseLong(hex, 16);
            } catch (NumberFormatException e) {
                throw new IOException("bad chunk size: " + line);
            }
            if (left == 0) {
                for (String t; (t = readLine(in)) != null && !t.isEmpty(); ) { /* trailers */ }
                eof = true;
                return false;
            }
            return true;
        }

        @Override
        public int read() throws IOException {
            byte[] b = new byte[1];
            int n = read(b, 0, 1);
            return n <= 0 ? -1 : b[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            if (!nextChunk()) return -1;
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) throw new IOException("unexpected EOF in chunked body");
            left -= n;
            if (left == 0) {
                // consume the CRLF after the chunk data now, so the next read starts at a size line
                int c1 = in.read();
                if (c1 == '\r') in.read();
            }
            return n;
        }
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
