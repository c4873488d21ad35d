package io.wharf.image;

import java.time.Instant;

/**
 * A path's stat for {@code X-Docker-Container-Path-Stat} (docker cp). {@code mode} carries Go {@code os.FileMode}
 * bits: permissions | {@link #MODE_DIR} / {@link #MODE_SYMLINK} / … (not Unix S_IF* bits).
 */
public record PathStat(String name, long size, long mode, Instant mtime, String linkTarget) {
    public static final long MODE_DIR = 1L << 31;
    public static final long MODE_APPEND = 1L << 30;
    public static final long MODE_SYMLINK = 1L << 27;
    public static final long MODE_DEVICE = 1L << 26;
    public static final long MODE_NAMED_PIPE = 1L << 25;
    public static final long MODE_SOCKET = 1L << 24;
    public static final long MODE_SETUID = 1L << 23;
    public static final long MODE_SETGID = 1L << 22;
    public static final long MODE_CHAR_DEVICE = 1L << 21;
    public static final long MODE_STICKY = 1L << 20;

    public boolean isDir() {
        return (mode & MODE_DIR) != 0;
    }

    /** The JSON the header carries (base64 is the engine's job). */
    public String toJson() {
        return "{\"name\":" + io.wharf.common.Json.string(name) + ",\"size\":" + size + ",\"mode\":" + mode
                + ",\"mtime\":\"" + mtime + "\",\"linkTarget\":" + io.wharf.common.Json.string(linkTarget == null ? "" : linkTarget) + "}";
    }
}
