package io.wharf.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Netty plumbing shared by every server of Wharf (engine, registry, API server...): one place that knows
 * how to bind a TCP port or a unix socket with the native epoll transport. Each server adds its own pipeline.
 */
public final class Transports {
    private Transports() {}

    /** A new event-loop group: epoll where available (always on Linux with the native jar), NIO otherwise. */
    public static EventLoopGroup newGroup(int threads) {
        return new MultiThreadIoEventLoopGroup(threads, Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    /** Binds TCP {@code host:port}; returns the bound channel (port 0 picks a free port). */
    public static Channel bindTcp(EventLoopGroup group, String host, int port, ChannelInitializer<Channel> init) throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(Epoll.isAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(init);
        return b.bind(new InetSocketAddress(host, port)).sync().channel();
    }

    /**
     * Binds a unix socket at {@code path} with the given permissions (e.g. "rw-rw----"), replacing a stale socket
     * file left by a previous run. Requires the epoll transport.
     */
    public static Channel bindUnix(EventLoopGroup group, Path path, String perms, ChannelInitializer<Channel> init) throws InterruptedException, IOException {
        if (!Epoll.isAvailable()) throw new IOException("unix sockets need Netty's epoll transport: " + Epoll.unavailabilityCause());
        Files.createDirectories(path.toAbsolutePath().getParent());
        Files.deleteIfExists(path);
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(EpollServerDomainSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childHandler(init);
        Channel ch = b.bind(new DomainSocketAddress(path.toString())).sync().channel();
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(perms));
        return ch;
    }
}
