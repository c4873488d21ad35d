package io.wharf.engine.distribution;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A bounded pipe between a downloading thread and an unpacking thread (copies of the written chunks on a queue), so
 * that a layer is unpacked while it downloads. Unlike {@link java.io.PipedInputStream} both sides run at once (no
 * full-buffer ping-pong), either side can abort the other, and it does not care which threads use it.
 */
final class ChunkPipe {
    private static final byte[] EOF = new byte[0];
    private static final byte[] ABORTED = new byte[0];

    private final BlockingQueue<byte[]> queue;
    private volatile boolean readerClosed;

    /** @param chunks how many written chunks may wait (with 128 KiB writes, 32 ≈ 4 MiB) */
    ChunkPipe(int chunks) {
        this.queue = new ArrayBlockingQueue<>(chunks);
    }

    private void put(byte[] chunk) throws IOException {
        try {
            while (!queue.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
                if (readerClosed) throw new IOException("the unpacking side of the pipe closed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted writing to the pipe");
        }
    }

    /** Ends the stream with an error on the reading side (the download failed). */
    void abort() {
        if (readerClosed) return;
        queue.clear();
        queue.offer(ABORTED);
    }

    final OutputStream output = new OutputStream() {
        private boolean closed;

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (closed) throw new IOException("pipe closed");
            if (readerClosed) throw new IOException("the unpacking side of the pipe closed");
            if (len > 0) put(java.util.Arrays.copyOfRange(b, off, off + len));
        }

        @Override
        public void close() throws IOException {
            if (closed) return;
            closed = true;
            if (!readerClosed) put(EOF);
        }
    };

    final InputStream input = new InputStream() {
        private byte[] cur = new byte[0];
        private int pos;
        private boolean eof;

        private boolean fill() throws IOException {
            if (eof) return false;
            while (pos >= cur.length) {
                byte[] next;
                try {
                    next = queue.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted reading the pipe");
                }
                if (next == EOF) {
                    eof = true;
                    return false;
                }
                if (next == ABORTED) throw new IOException("the download of this layer failed");
                cur = next;
                pos = 0;
            }
            return true;
        }

        @Override
        public int read() throws IOException {
            return fill() ? cur[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            if (!fill()) return -1;
            int n = Math.min(len, cur.length - pos);
            System.arraycopy(cur, pos, b, off, n);
            pos += n;
            return n;
        }

        @Override
        public void close() {
            readerClosed = true;
            queue.clear();
        }
    };
}
