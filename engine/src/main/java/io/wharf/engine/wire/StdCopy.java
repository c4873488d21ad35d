package io.wharf.engine.wire;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Docker's stdcopy multiplexing: each frame is [stream, 0, 0, 0, size big-endian u32] + payload. Stream 1 is
 * stdout, 2 stderr, 3 a system error (the CLI fails with "error from daemon in stream").
 */
public final class StdCopy {
    public static final int STDIN = 0, STDOUT = 1, STDERR = 2, SYSTEMERR = 3;

    private StdCopy() {}

    public static byte[] frame(int stream, byte[] b, int off, int len) {
        if (stream < 0 || stream > 3) throw new IllegalArgumentException("stream " + stream);
        byte[] f = new byte[8 + len];
        f[0] = (byte) stream;
        f[4] = (byte) (len >>> 24);
        f[5] = (byte) (len >>> 16);
        f[6] = (byte) (len >>> 8);
        f[7] = (byte) len;
        System.arraycopy(b, off, f, 8, len);
        return f;
    }

    /** Writes one frame in a single write, so a frame is never split between concurrent writers. */
    public static void write(OutputStream out, int stream, byte[] b, int off, int len) throws IOException {
        if (len == 0) return;
        byte[] f = frame(stream, b, off, len);
        synchronized (out) {
            out.write(f);
        }
    }

    /** An OutputStream that frames every write as one stream's frames. */
    public static OutputStream framing(OutputStream out, int stream) {
        return new OutputStream() {
            @Override public void write(int b) throws IOException { write(new byte[]{(byte) b}, 0, 1); }
            @Override public void write(byte[] b, int off, int len) throws IOException { StdCopy.write(out, stream, b, off, len); }
        };
    }
}
