package io.wharf.engine.wire;

import io.wharf.common.Json;
import io.wharf.common.WharfException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The response side of one exchange: a plain body, a chunked stream flushed per write, or a hijacked raw socket.
 * Every response carries the headers dockerd puts on all of its answers (Api-Version, Ostype, Server...).
 */
public final class HttpResponse {
    private static final Logger log = LoggerFactory.getLogger(HttpResponse.class);
    public static final String SERVER = "Docker/28.2.2 (linux)";

    private final SocketChannel ch;
    private final InputStream in;
    private final OutputStream out;
    private final boolean head;
    private boolean keepAlive;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private boolean committed;
    private ChunkedOut stream;
    private Hijack hijack;

    private final Runnable onHijackClose;

    HttpResponse(SocketChannel ch, InputStream in, OutputStream out, boolean head, boolean keepAlive, Runnable onHijackClose) {
        this.onHijackClose = onHijackClose;
        this.ch = ch;
        this.in = in;
        this.out = out;
        this.head = head;
        this.keepAlive = keepAlive;
    }

    public HttpResponse header(String k, String v) {
        headers.put(k, v);
        return this;
    }

    public boolean committed() { return committed; }
    boolean hijacked() { return hijack != null; }
    boolean keepAlive() { return keepAlive; }

    private void writeHead(int status, String reason, String contentType, long contentLength, boolean chunked) throws IOException {
        if (committed) throw new IllegalStateException("response already committed");
        committed = true;
        StringBuilder sb = new StringBuilder(256);
        sb.append("HTTP/1.1 ").append(status).append(' ').append(reason).append("\r\n");
        sb.append("Api-Version: ").append(ApiVersion.MAX).append("\r\n");
        sb.append("Docker-Experimental: false\r\n");
        sb.append("Ostype: linux\r\n");
        sb.append("Server: ").append(SERVER).append("\r\n");
        sb.append("Date: ").append(java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC))).append("\r\n");
        for (var e : headers.entrySet()) sb.append(e.getKey()).append(": ").append(e.getValue()).append("\r\n");
        if (contentType != null) sb.append("Content-Type: ").append(contentType).append("\r\n");
        if (chunked) sb.append("Transfer-Encoding: chunked\r\n");
        else if (contentLength >= 0 && status != 204 && status != 304) sb.append("Content-Length: ").append(contentLength).append("\r\n");
        if (!keepAlive) sb.append("Connection: close\r\n");
        sb.append("\r\n");
        out.write(HttpServer.ascii(sb.toString()));
    }

    public void send(int status, String contentType, byte[] body) throws IOException {
        boolean noBody = status == 204 || status == 304;
        writeHead(status, reason(status), noBody ? null : contentType, body.length, false);
        if (!head && !noBody) out.write(body);
    }

    public void json(int status, Object value) throws IOException {
        send(status, "application/json", Json.bytes(value));
    }

    public void status(int status) throws IOException {
        send(status, null, new byte[0]);
    }

    public void text(int status, String body) throws IOException {
        send(status, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
    }

    /** Docker's error shape; Content-Type must be exactly application/json or the CLI prints the raw body. */
    public void error(Throwable t) throws IOException {
        WharfException w = DockerErrors.wrap(t);
        int status = DockerErrors.status(w.kind());
        if (status >= 500) log.warn("request failed", t);
        if (status == 304) {
            status(304);
            return;
        }
        send(status, "application/json", Json.bytes(Map.of("message", w.getMessage() == null ? "internal error" : w.getMessage())));
    }

    /** Starts a chunked streaming body; every write is sent as one chunk and flushed at once. */
    public OutputStream stream(int status, String contentType) throws IOException {
        writeHead(status, reason(status), contentType, -1, true);
        stream = new ChunkedOut(out, head);
        return stream;
    }

    /** Sends a streamed body of known length (e.g. tar with a precomputed size) — not used for unknown lengths. */
    public OutputStream fixed(int status, String contentType, long length) throws IOException {
        writeHead(status, reason(status), contentType, length, false);
        return head ? OutputStream.nullOutputStream() : new java.io.FilterOutputStream(out) {
            @Override public void write(byte[] b, int off, int len) throws IOException { out.write(b, off, len); }
            @Override public void close() {}
        };
    }

    /**
     * Hijacks the connection for attach/exec: with {@code upgrade} (the client sent Upgrade: tcp) dockerd's exact
     * "101 UPGRADED" bytes, otherwise the legacy "200 OK" followed by the raw stream. The socket then belongs to
     * the returned {@link Hijack}.
     */
    public Hijack hijack(boolean upgrade, String contentType) throws IOException {
        if (committed) throw new IllegalStateException("response already committed");
        committed = true;
        keepAlive = false;
        String h = upgrade
                ? "HTTP/1.1 101 UPGRADED\r\nContent-Type: " + contentType + "\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
                : "HTTP/1.1 200 OK\r\nContent-Type: " + contentType + "\r\n\r\n";
        out.write(HttpServer.ascii(h));
        hijack = new Hijack(ch, in, out, onHijackClose);
        return hijack;
    }

    /**
     * Runs {@code onClose} when the client closes the connection (EOF or error on read). Only for responses whose
     * request body has been consumed (wait, events, logs -f, stats): the CLI sends nothing more on them.
     */
    public void onClientClose(Runnable onClose) {
        Thread.ofVirtual().name("http-watch").start(() -> {
            try {
                while (in.read() >= 0) { /* the client sends nothing; ignore stray bytes */ }
            } catch (IOException ignored) {
            }
            onClose.run();
        });
        keepAlive = false;
    }

    void finish() throws IOException {
        if (stream != null) {
            stream.end();
        } else if (!committed) {
            status(204);
        }
    }

    void abort() {
        try {
            ch.close();
        } catch (IOException ignored) {
        }
    }

    static String reason(int s) {
        return switch (s) {
            case 200 -> "OK";
            case 201 -> "Created";
            case 204 -> "No Content";
            case 304 -> "Not Modified";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 409 -> "Conflict";
            case 410 -> "Gone";
            case 412 -> "Precondition Failed";
            case 413 -> "Request Entity Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 503 -> "Service Unavailable";
            default -> "Status";
        };
    }

    static final class ChunkedOut extends OutputStream {
        private final OutputStream out;
        private final boolean discard;
        private boolean ended;

        ChunkedOut(OutputStream out, boolean discard) { this.out = out; this.discard = discard; }

        @Override
        public void write(int b) throws IOException {
            write(new byte[]{(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            if (len == 0 || discard) return;
            if (ended) throw new IOException("stream ended");
            byte[] hdr = HttpServer.ascii(Integer.toHexString(len) + "\r\n");
            byte[] buf = new byte[hdr.length + len + 2];
            System.arraycopy(hdr, 0, buf, 0, hdr.length);
            System.arraycopy(b, off, buf, hdr.length, len);
            buf[buf.length - 2] = '\r';
            buf[buf.length - 1] = '\n';
            out.write(buf); // one write per chunk: the socket is unbuffered, so this is the flush
        }

        synchronized void end() throws IOException {
            if (ended) return;
            ended = true;
            if (!discard) out.write(HttpServer.ascii("0\r\n\r\n"));
        }

        @Override
        public void close() throws IOException {
            end();
        }
    }
}
