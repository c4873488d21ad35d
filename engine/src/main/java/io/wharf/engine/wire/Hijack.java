package io.wharf.engine.wire;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A hijacked connection (attach, exec start). {@link #in()} yields the client's raw stdin bytes (never framed);
 * {@link #out()} writes raw bytes (TTY) or stdcopy frames. At process exit, {@link #finish(Duration)} does what
 * dockerd's CloseStreams does: half-close our side so the CLI sees EOF, then drain client bytes until the client
 * closes (or a timeout), so the kernel never answers unread bytes with a RST (which makes the CLI exit 1).
 */
public final class Hijack implements AutoCloseable {
    private final SocketChannel ch;
    private final InputStream in;
    private final OutputStream out;
    private final CountDownLatch clientEof = new CountDownLatch(1);
    private volatile boolean reading;
    private final Runnable onClose;

    Hijack(SocketChannel ch, InputStream in, OutputStream out, Runnable onClose) {
        this.ch = ch;
        this.onClose = onClose;
        this.in = new InputStream() {
            @Override
            public int read() throws IOException {
                int c = in.read();
                if (c < 0) clientEof.countDown();
                return c;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n;
                try {
                    n = in.read(b, off, len);
                } catch (IOException e) {
                    clientEof.countDown();
                    throw e;
                }
                if (n < 0) clientEof.countDown();
                return n;
            }
        };
        this.out = out;
    }

    /** Client→daemon bytes. Whoever consumes stdin must read this to EOF; otherwise call {@link #discardInput()}. */
    public InputStream in() {
        reading = true;
        return in;
    }

    public OutputStream out() { return out; }

    /** Reads and drops client bytes in the background (no stdin attached), so client EOF is still observed. */
    public void discardInput() {
        if (reading) return;
        reading = true;
        Thread.ofVirtual().name("hijack-drain").start(() -> {
            byte[] b = new byte[8192];
            try {
                while (in.read(b, 0, b.length) >= 0) { }
            } catch (IOException ignored) {
                clientEof.countDown();
            }
        });
    }

    /** Half-closes our side, waits for the client to close its side (bounded), then closes the socket. */
    public void finish(Duration drain) {
        try {
            ch.shutdownOutput();
        } catch (IOException ignored) {
        }
        discardInput();
        try {
            clientEof.await(drain.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close();
    }

    public boolean clientClosed() {
        return clientEof.getCount() == 0;
    }

    @Override
    public void close() {
        try {
            ch.close();
        } catch (IOException ignored) {
        }
        onClose.run();
    }
}
