package io.wharf.apiserver.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One HTTP request and its response channel, independent of HTTP/1.1 vs HTTP/2 (both arrive as aggregated HTTP/1-style
 * objects). Responses are written from any thread (Netty queues writes onto the event loop).
 */
public final class HttpExchange {
    private final Channel channel;
    private final String method;
    private final String uri;
    private final String path;
    private final Map<String, List<String>> query;
    private final HttpHeaders headers;
    private final byte[] body;
    private final X509Certificate[] peerCerts;
    private final boolean keepAlive;
    private final boolean http2;
    private volatile boolean responded;
    private int status;

    HttpExchange(Channel channel, String method, String uri, HttpHeaders headers, byte[] body, X509Certificate[] peerCerts,
                 boolean keepAlive, boolean http2) {
        this.channel = channel;
        this.method = method;
        this.uri = uri;
        QueryStringDecoder d = new QueryStringDecoder(uri);
        this.path = d.path();
        this.query = d.parameters();
        this.headers = headers;
        this.body = body;
        this.peerCerts = peerCerts;
        this.keepAlive = keepAlive;
        this.http2 = http2;
    }

    public String method() { return method; }
    public String uri() { return uri; }
    public String path() { return path; }
    public Map<String, List<String>> query() { return query; }
    public String param(String name) { List<String> v = query.get(name); return v == null || v.isEmpty() ? null : v.getFirst(); }
    public HttpHeaders headers() { return headers; }
    public String header(String name) { return headers.get(name); }
    public byte[] body() { return body; }
    public X509Certificate[] peerCerts() { return peerCerts; }
    public boolean http2() { return http2; }
    /** The response's channel (an HTTP/2 stream's child channel, or the HTTP/1.1 connection): for {@link WatchFanout}. */
    Channel channel() { return channel; }
    boolean keepAlive() { return keepAlive; }
    public boolean responded() { return responded; }
    public int status() { return status; }

    /** Completes when the client goes away (connection or HTTP/2 stream closed). */
    public CompletableFuture<Void> closed() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        channel.closeFuture().addListener(x -> f.complete(null));
        return f;
    }

    public boolean isOpen() { return channel.isActive(); }

    /** Sends a complete response. */
    public void send(int code, String contentType, byte[] content, Map<String, String> extraHeaders) {
        if (responded) return;
        responded = true;
        status = code;
        DefaultFullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(code), Unpooled.wrappedBuffer(content));
        if (contentType != null) r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, content.length);
        r.headers().set("Cache-Control", "no-cache, private");
        if (extraHeaders != null) extraHeaders.forEach((k, v) -> r.headers().add(k, v));
        if (!http2 && keepAlive) HttpUtil.setKeepAlive(r, true);
        ChannelFuture f = channel.writeAndFlush(r);
        if (!http2 && !keepAlive) f.addListener(ChannelFutureListener.CLOSE);
    }

    /** Starts a streamed (chunked) response: for watches. */
    public Stream stream(int code, String contentType, Map<String, String> extraHeaders) {
        responded = true;
        status = code;
        DefaultHttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(code));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        r.headers().set("Cache-Control", "no-cache, private");
        if (!http2) r.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        if (extraHeaders != null) extraHeaders.forEach((k, v) -> r.headers().add(k, v));
        channel.writeAndFlush(r);
        return new ChunkedStream();
    }

    /** A streamed response body: chunked HTTP, or WebSocket messages after an upgrade. */
    public sealed interface Stream permits ChunkedStream, WebSocketStream {
        /** Writes one message (a watch event) and waits while the socket is congested (back-pressure for slow watchers). */
        void write(byte[] data) throws InterruptedException;

        /** Ends the response (last chunk, or a WebSocket close frame). */
        void end();
    }

    final class ChunkedStream implements Stream {
        @Override
        public void write(byte[] data) throws InterruptedException {
            ChannelFuture f = channel.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(data)));
            if (!channel.isWritable()) f.await(30_000);
        }

        @Override
        public void end() {
            ChannelFuture f = channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            if (!http2 && !keepAlive) f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** True for an HTTP/1.1 request asking to upgrade to WebSocket (client-go and fabric8 watch this way). */
    public boolean wantsWebSocket() {
        return !http2 && "websocket".equalsIgnoreCase(headers.get("Upgrade"));
    }

    /**
     * Completes the WebSocket handshake (RFC 6455) and returns a stream of text messages, one per write, as
     * kube-apiserver's watch over WebSocket does. The subprotocol base64.binary.k8s.io is honoured (messages base64),
     * plain JSON text otherwise.
     */
    public Stream upgradeToWebSocket() {
        var req = new io.netty.handler.codec.http.DefaultFullHttpRequest(HttpVersion.HTTP_1_1, io.netty.handler.codec.http.HttpMethod.GET, uri);
        req.headers().set(headers);
        var factory = new io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory(
                "wss://" + headers.get("Host") + uri, "base64.binary.k8s.io,base64.channel.k8s.io,v4.channel.k8s.io,channel.k8s.io", true, 1 << 20);
        var hs = factory.newHandshaker(req);
        if (hs == null) throw ApiException.badRequest("unsupported WebSocket version");
        responded = true;
        status = 101;
        channel.pipeline().addLast(new io.netty.channel.SimpleChannelInboundHandler<io.netty.handler.codec.http.websocketx.WebSocketFrame>() {
            @Override
            protected void channelRead0(io.netty.channel.ChannelHandlerContext ctx, io.netty.handler.codec.http.websocketx.WebSocketFrame f) {
                if (f instanceof io.netty.handler.codec.http.websocketx.CloseWebSocketFrame) ctx.close();
                else if (f instanceof io.netty.handler.codec.http.websocketx.PingWebSocketFrame) ctx.writeAndFlush(new io.netty.handler.codec.http.websocketx.PongWebSocketFrame(f.content().retain()));
            }
        });
        try {
            hs.handshake(channel, req).sync();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            channel.close();
        } finally {
            req.release();
        }
        return new WebSocketStream("base64.binary.k8s.io".equals(hs.selectedSubprotocol()));
    }

    final class WebSocketStream implements Stream {
        private final boolean base64;

        WebSocketStream(boolean base64) { this.base64 = base64; }

        @Override
        public void write(byte[] data) throws InterruptedException {
            int n = data.length > 0 && data[data.length - 1] == '\n' ? data.length - 1 : data.length;
            String text = base64 ? java.util.Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(data, n))
                    : new String(data, 0, n, java.nio.charset.StandardCharsets.UTF_8);
            ChannelFuture f = channel.writeAndFlush(new io.netty.handler.codec.http.websocketx.TextWebSocketFrame(text));
            if (!channel.isWritable()) f.await(30_000);
        }

        @Override
        public void end() {
            channel.writeAndFlush(new io.netty.handler.codec.http.websocketx.CloseWebSocketFrame(1000, ""))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }
}
