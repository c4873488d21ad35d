package io.wharf.oci;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import io.wharf.common.WharfException;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest, {@code algorithm:hex} (OCI image spec, descriptor.md#digests). Only sha256 and sha512 are
 * accepted, and the hex part must have the algorithm's exact length, so a Digest can safely name a file.
 */
public record Digest(String algorithm, String hex) implements Comparable<Digest> {
    private static final Pattern HEX = Pattern.compile("[a-f0-9]+");

    public Digest {
        int len = switch (algorithm) {
            case "sha256" -> 64;
            case "sha512" -> 128;
            default -> throw WharfException.invalid("unsupported digest algorithm %s", algorithm);
        };
        if (hex.length() != len || !HEX.matcher(hex).matches()) {
            throw WharfException.invalid("invalid %s digest: %s", algorithm, hex);
        }
    }

    @JsonCreator
    public static Digest parse(String s) {
        int i = s == null ? -1 : s.indexOf(':');
        if (i <= 0) throw WharfException.invalid("invalid digest: %s", s);
        return new Digest(s.substring(0, i), s.substring(i + 1));
    }

    public static Digest sha256(byte[] data) {
        return new Digest("sha256", HexFormat.of().formatHex(newSha256().digest(data)));
    }

    public static Digest ofSha256(MessageDigest md) {
        return new Digest("sha256", HexFormat.of().formatHex(md.digest()));
    }

    public static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first 12 hex characters, as docker shows image and layer IDs. */
    public String shortHex() {
        return hex.substring(0, 12);
    }

    @JsonValue
    @Override
    public String toString() {
        return algorithm + ":" + hex;
    }

    @Override
    public int compareTo(Digest o) {
        return toString().compareTo(o.toString());
    }
}
