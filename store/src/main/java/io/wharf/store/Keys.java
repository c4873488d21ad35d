package io.wharf.store;

import java.util.Comparator;

/**
 * Key rules shared by every store. Keys are non-empty strings; they are ordered (and stored in etcd) by their
 * UTF-8 bytes, which is code-point order, so listing gives the same order on every implementation. Prefixes
 * match by {@link String#startsWith}: end a directory-like prefix with {@code '/'} so that
 * {@code /registry/pods/ns1/} does not also match {@code /registry/pods/ns10/...}.
 */
public final class Keys {
    private Keys() {}

    /** Orders keys by code point (= UTF-8 byte order), which differs from {@link String#compareTo} only for
     * surrogate pairs versus U+E000..U+FFFF. */
    public static final Comparator<String> ORDER = Keys::compare;

    public static int compare(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char x = a.charAt(i), y = b.charAt(i);
            if (x != y) {
                boolean sx = Character.isSurrogate(x), sy = Character.isSurrogate(y);
                if (sx != sy) {
                    return sx ? 1 : -1; // a surrogate encodes a code point above every BMP char
                }
                return x - y;
            }
        }
        return a.length() - b.length();
    }

    /** Throws IllegalArgumentException for a null or empty key (keys are built by the API server, never by users). */
    static void check(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("store key must be non-empty");
        }
    }

    /** The smallest key strictly greater than {@code key}: the continue point after it. */
    public static String after(String key) {
        return key + '\0';
    }
}
