package io.wharf.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.wharf.common.WharfException;

import java.util.List;

/**
 * A platform as in the OCI image index (image-index.md#platform-variants): {@code linux/amd64}, {@code linux/arm64/v8}.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Platform(
        @JsonProperty("architecture") String architecture,
        @JsonProperty("os") String os,
        @JsonProperty("os.version") String osVersion,
        @JsonProperty("os.features") List<String> osFeatures,
        @JsonProperty("variant") String variant,
        @JsonProperty("features") List<String> features) {

    public Platform {
        if (architecture == null || architecture.isEmpty()) throw WharfException.invalid("platform: architecture is required");
        if (os == null || os.isEmpty()) throw WharfException.invalid("platform: os is required");
        osFeatures = osFeatures == null ? null : List.copyOf(osFeatures);
        features = features == null ? null : List.copyOf(features);
    }

    public static Platform of(String os, String architecture, String variant) {
        return new Platform(architecture, os, null, null, variant == null || variant.isEmpty() ? null : variant, null);
    }

    /** The platform of this machine as Go names it (GOOS/GOARCH): linux/amd64, linux/arm64. */
    public static Platform host() {
        return of("linux", goArch(System.getProperty("os.arch")), null);
    }

    /** Maps a Java {@code os.arch} value to Go's GOARCH name, which images use. */
    public static String goArch(String javaArch) {
        return switch (javaArch) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "arm" -> "arm";
            case "x86", "i386", "i686" -> "386";
            case "ppc64le" -> "ppc64le";
            case "s390x" -> "s390x";
            case "riscv64" -> "riscv64";
            default -> javaArch;
        };
    }

    /** Parses {@code os/arch[/variant]} as {@code docker --platform} takes it. */
    public static Platform parse(String s) {
        String[] p = s.toLowerCase(java.util.Locale.ROOT).split("/");
        if (p.length < 2 || p.length > 3 || p[0].isEmpty() || p[1].isEmpty()) {
            throw WharfException.invalid("invalid platform %s: expected os/arch[/variant]", s);
        }
        return of(p[0], p[1], p.length == 3 ? p[2] : null);
    }

    /** Whether an index entry with this platform can run on {@code wanted} (os and architecture equal; variant if both set). */
    public boolean matches(Platform wanted) {
        if (!os.equals(wanted.os) || !architecture.equals(wanted.architecture)) return false;
        return variant == null || wanted.variant == null || variant.equals(wanted.variant);
    }

    @Override
    public String toString() {
        return os + "/" + architecture + (variant == null ? "" : "/" + variant);
    }
}
