package io.wharf.image;

import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** Detects and undoes the compression of layers and imported tars by their magic bytes (as moby's DecompressStream). */
public final class Compression {
    private Compression() {}

    public enum Kind { NONE, GZIP, ZSTD, XZ, BZIP2 }

    /** Peeks at the first bytes of {@code in} (which must support mark/reset). */
    public static Kind detect(InputStream in) throws IOException {
        in.mark(8);
        byte[] b = in.readNBytes(6);
        in.reset();
        if (b.length >= 2 && (b[0] & 0xff) == 0x1f && (b[1] & 0xff) == 0x8b) return Kind.GZIP;
        if (b.length >= 4 && (b[0] & 0xff) == 0x28 && (b[1] & 0xff) == 0xb5 && (b[2] & 0xff) == 0x2f && (b[3] & 0xff) == 0xfd) return Kind.ZSTD;
        if (b.length >= 6 && (b[0] & 0xff) == 0xfd && b[1] == '7' && b[2] == 'z' && b[3] == 'X' && b[4] == 'Z' && b[5] == 0) return Kind.XZ;
        if (b.length >= 3 && b[0] == 'B' && b[1] == 'Z' && b[2] == 'h') return Kind.BZIP2;
        return Kind.NONE;
    }

    /** Returns a stream of the uncompressed bytes, whatever the compression of {@code raw}. */
    public static InputStream decompress(InputStream raw) throws IOException {
        if (raw.markSupported()) return wrap(detect(raw), raw);
        // peek without a BufferedInputStream: it would copy every byte once more on the way to the inflater
        byte[] head = raw.readNBytes(6);
        return wrap(detect(new java.io.ByteArrayInputStream(head)), new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(head), raw));
    }

    private static InputStream wrap(Kind kind, InputStream in) throws IOException {
        return switch (kind) {
            case NONE -> in;
            case GZIP -> new GZIPInputStream(in, 1 << 18);
            case ZSTD -> new ZstdCompressorInputStream(in);
            case XZ -> new XZCompressorInputStream(in);
            case BZIP2 -> new BZip2CompressorInputStream(in, true);
        };
    }
}
