package io.wharf.apiserver.server;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.wharf.common.Json;
import io.wharf.http.Transports;

import javax.net.ssl.SSLPeerUnverifiedException;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * The HTTPS listener: TLS (JDK provider) with ALPN choosing h2 or http/1.1, optional client certificates (verified
 * against the cluster CA; authentication reads them), aggregation of bodies up to 3 MiB (413 Status beyond), and one
 * virtual thread per request that runs {@code handler}.
 */
public final class HttpFrontend implements AutoCloseable {
    public static final int MAX_BODY = 3 * 1024 * 1024;

    private final EventLoopGroup group;
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    private final Channel server;

    /**
     * The TLS context: JDK provider, client certificates optional (then checked against the cluster CA), ALPN h2 then
     * http/1.1. Built from a javax.net.ssl.SSLContext directly rather than with SslContextBuilder: the builder's
     * JdkSslServerContext class initialisation generates a throw-away self-signed certificate and probes for
     * BouncyCastle PEM support, which took a third of the server's cold start.
     */
    static SslContext serverSslContext(PrivateKey key, X509Certificate cert, X509Certificate clientCa) throws Exception {
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(io.wharf.common.TlsStores.keyManagers(key, cert), io.wharf.common.TlsStores.trustManagers(clientCa), null);
        ApplicationProtocolConfig alpn = new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1);
        return new io.netty.handler.ssl.JdkSslContext(ctx, false, null, io.netty.handler.ssl.IdentityCipherSuiteFilter.INSTANCE,
                alpn, ClientAuth.OPTIONAL, null, false);
    }

    public HttpFrontend(String host, int port, PrivateKey key, X509Certificate cert, X509Certificate clientCa,
                        Consumer<HttpExchange> handler) throws Exception {
        SslContext ssl = serverSslContext(key, cert, clientCa);
        group = Transports.newGroup(2);
        server = Transports.bindTcp(group, host, port, new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(ssl.newHandler(ch.alloc()));
                ch.pipeline().addLast(new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
                    @Override
                    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                        ChannelPipeline p = ctx.pipeline();
                        if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                            p.addLast(Http2FrameCodecBuilder.forServer().build());
                            p.addLast(new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                                @Override
                                protected void initChannel(Http2StreamChannel sc) {
                                    sc.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true));
                                    sc.pipeline().addLast(new Aggregator());
                                    sc.pipeline().addLast(new Dispatcher(handler, true));
                                }
                            }));
                        } else {
                            p.addLast(new HttpServerCodec(8192, 65536, 8192));
                            p.addLast(new Aggregator());
                            p.addLast(new Dispatcher(handler, false));
                        }
                    }
                });
            }
        });
    }

    public int port() {
        return ((java.net.InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS);
        workers.shutdownNow();
    }

    /** Aggregates bodies; answers an oversized one with a 413 Status instead of Netty's bare 413. */
    private static final class Aggregator extends HttpObjectAggregator {
        Aggregator() { super(MAX_BODY); }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            byte[] body = Json.bytes(ApiException.tooLarge().status());
            var r = new io.netty.handler.codec.http.DefaultFullHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                    io.netty.handler.codec.http.HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, io.netty.buffer.Unpooled.wrappedBuffer(body));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
            r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
            // Keep-alive HTTP/1.1: answer and let the aggregator discard the rest of the body, so the client can read
            // the 413 (closing at once makes it fail writing instead). Otherwise close after the answer.
            boolean keep = oversized instanceof io.netty.handler.codec.http.HttpRequest req && HttpUtil.isKeepAlive(req)
                    && !(oversized instanceof io.netty.handler.codec.http.FullHttpMessage);
            if (!keep) r.headers().set(HttpHeaderNames.CONNECTION, "close");
            var f = ctx.writeAndFlush(r);
            if (!keep) f.addListener(io.netty.channel.ChannelFutureListener.CLOSE);
        }
    }

    private final class Dispatcher extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Consumer<HttpExchange> handler;
        private final boolean http2;

        Dispatcher(Consumer<HttpExchange> handler, boolean http2) {
            this.handler = handler;
            this.http2 = http2;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            byte[] body = ByteBufUtil.getBytes(req.content());
            Channel sslCh = http2 ? ctx.channel().parent() : ctx.channel();
            X509Certificate[] certs = null;
            SslHandler sh = sslCh.pipeline().get(SslHandler.class);
            if (sh != null) {
                try {
                    Certificate[] cs = sh.engine().getSession().getPeerCertificates();
                    certs = new X509Certificate[cs.length];
                    for (int i = 0; i < cs.length; i++) certs[i] = (X509Certificate) cs[i];
                } catch (SSLPeerUnverifiedException ignored) { /* no client certificate */ }
            }
            HttpExchange ex = new HttpExchange(ctx.channel(), req.method().name(), req.uri(), req.headers().copy(), body, certs,
                    HttpUtil.isKeepAlive(req), http2);
            if (!req.decoderResult().isSuccess()) {
                ex.send(400, "application/json", Json.bytes(ApiException.badRequest("malformed HTTP request").status()), Map.of());
                return;
            }
            workers.execute(() -> {
                try {
                    handler.accept(ex);
                } catch (Throwable t) {
                    if (!ex.responded()) ex.send(500, "application/json", Json.bytes(ApiException.from(t).status()), Map.of());
                }
            });
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
