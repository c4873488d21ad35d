package io.wharf.runtime;

import io.wharf.common.WharfException;

import java.util.List;
import java.util.Objects;

/**
 * A filesystem mount inside the container (OCI runtime-spec "mounts"). Docker volumes are resolved by the
 * engine to a host directory and passed here as {@link Type#BIND}.
 *
 * @param type        bind or tmpfs
 * @param source      host path for a bind (must exist); ignored for tmpfs
 * @param destination absolute path inside the container
 * @param readOnly    mount read-only
 * @param options     extra OCI mount options (e.g. "rprivate", "size=65536k", "mode=1777"); may be empty
 */
public record Mount(Type type, String source, String destination, boolean readOnly, List<String> options) {
    public enum Type { BIND, TMPFS }

    public Mount {
        Objects.requireNonNull(type, "type");
        if (destination == null || !destination.startsWith("/")) {
            throw WharfException.invalid("mount destination must be an absolute path: %s", destination);
        }
        if (type == Type.BIND && (source == null || !source.startsWith("/"))) {
            throw WharfException.invalid("bind mount source must be an absolute path: %s", source);
        }
        options = options == null ? List.of() : List.copyOf(options);
    }

    public static Mount bind(String source, String destination, boolean readOnly) {
        return new Mount(Type.BIND, source, destination, readOnly, List.of());
    }

    public static Mount tmpfs(String destination, List<String> options) {
        return new Mount(Type.TMPFS, "tmpfs", destination, false, options);
    }
}
