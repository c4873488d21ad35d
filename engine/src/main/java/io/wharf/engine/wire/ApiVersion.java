package io.wharf.engine.wire;

import io.wharf.common.WharfException;

/** A Docker API version "1.NN"; compared numerically (1.9 < 1.10). */
public record ApiVersion(int major, int minor) implements Comparable<ApiVersion> {
    /** Advertised in _ping/version. Below CLI 28's 1.50, so it negotiates down to us. */
    public static final ApiVersion MAX = new ApiVersion(1, 47);
    /** dockerd's MinAPIVersion. */
    public static final ApiVersion MIN = new ApiVersion(1, 24);

    public ApiVersion {
        if (major < 0 || minor < 0) throw new IllegalArgumentException("negative version");
    }

    public static ApiVersion parse(String s) {
        int dot = s.indexOf('.');
        try {
            if (dot < 0) return new ApiVersion(Integer.parseInt(s), 0);
            return new ApiVersion(Integer.parseInt(s.substring(0, dot)), Integer.parseInt(s.substring(dot + 1)));
        } catch (NumberFormatException e) {
            throw WharfException.invalid("invalid API version: %s", s);
        }
    }

    @Override
    public int compareTo(ApiVersion o) {
        return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
