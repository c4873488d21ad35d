package io.wharf.registry;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.stream.ChunkedFile;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One HTTP request/response on a connection: the request head, its streamed {@link BodyStream}, and the ways to
 * answer (bytes, a file with zero-copy sendfile on plain TCP, a stream). Exactly one response per exchange.
 */
final class Exchange {
    final ChannelHandlerContext ctx;
    final HttpRequest request;
    final BodyStream body;
    final boolean keepAlive;
    private final RegistryChannelHandler handler;
    private boolean responded;

    Exchange(ChannelHandlerContext ctx, HttpRequest request, RegistryChannelHandler handler) {
        this.ctx = ctx;
        this.request = request;
        this.handler = handler;
        this.keepAlive = HttpUtil.isKeepAlive(request);
        this.body = new BodyStream(ctx.channel(), () -> handler.resumeReading(this));
    }

    boolean isHead() {
        return request.method().equals(HttpMethod.HEAD);
    }

    boolean responded() {
        return responded;
    }

    static HttpHeaders headers() {
        HttpHeaders h = new DefaultHttpHeaders();
        h.set("Docker-Distribution-API-Version", "registry/2.0");
        return h;
    }

    private DefaultHttpResponse head(int status, HttpHeaders h) {
        DefaultHttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), h);
        if (!h.contains("Docker-Distribution-API-Version")) h.set("Docker-Distribution-API-Version", "registry/2.0");
        HttpUtil.setKeepAlive(r, keepAlive);
        return r;
    }

    void respond(int status, HttpHeaders h, byte[] content, String contentType) {
        if (contentType != null) h.set(HttpHeaderNames.CONTENT_TYPE, contentType);
        if (!h.contains(HttpHeaderNames.CONTENT_LENGTH)) h.setInt(HttpHeaderNames.CONTENT_LENGTH, content == null ? 0 : content.length);
        DefaultHttpResponse head = head(status, h);
        var full = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, head.status(),
                content == null || isHead() ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(content), head.headers(), new DefaultHttpHeaders());
        finish(ctx.writeAndFlush(full));
    }

    /** Sends {@code length} bytes of {@code file} from {@code offset}: sendfile on plain TCP, chunked reads under TLS. */
    void respondFile(int status, HttpHeaders h, Path file, long offset, long length) throws IOException {
        h.set(HttpHeaderNames.CONTENT_LENGTH, length);
        if (isHead() || length == 0) {
            DefaultHttpResponse r = head(status, h);
            finish(ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, r.status(), Unpooled.EMPTY_BUFFER, r.headers(), new DefaultHttpHeaders())));
            return;
        }
        if (ctx.pipeline().get(SslHandler.class) == null) {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
            ctx.write(head(status, h));
            ctx.write(new DefaultFileRegion(ch, offset, length));
            finish(ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT));
        } else {
            RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r");
            ctx.write(head(status, h));
            finish(ctx.writeAndFlush(new HttpChunkedInput(new ChunkedFile(raf, offset, length, 256 * 1024))));
        }
    }

    /**
     * Streams {@code length} bytes from {@code in} (drivers without local files). Blocks this virtual thread while
     * the channel is not writable, so a slow client holds back reading instead of filling memory.
     */
    void respondStream(int status, HttpHeaders h, InputStream in, long length) throws IOException {
        h.set(HttpHeaderNames.CONTENT_LENGTH, length);
        try (in) {
            if (isHead()) {
                respond(status, h, null, null);
                return;
            }
            ctx.write(head(status, h));
            byte[] buf = new byte[256 * 1024];
            long left = length;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    // the stored blob is shorter than it claimed: the response cannot be completed honestly
                    ctx.close();
                    throw new IOException("blob ended " + left + " bytes early");
                }
                left -= n;
                ChannelFuture f = ctx.writeAndFlush(new DefaultHttpContent(ctx.alloc().buffer(n).writeBytes(buf, 0, n)));
                if (!ctx.channel().isWritable()) {
                    try {
                        f.sync();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted");
                    } catch (Exception e) {
                        throw new IOException("client went away", e);
                    }
                }
            }
            finish(ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT));
        }
    }

    private void finish(ChannelFuture f) {
        responded = true;
        f.addListener(done -> handler.responseDone(this, done.isSuccess()));
    }
}
