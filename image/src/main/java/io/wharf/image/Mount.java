package io.wharf.image;

import java.nio.file.Path;
import java.util.List;

/**
 * A mount as containerd's {@code mount.Mount} describes it: {@code mount -t type source target -o options}.
 * For a container rootfs: type and source {@code overlay}, options {@code lowerdir=top:…:bottom,upperdir=…,workdir=…}.
 *
 * @param relativeTo when non-null, the paths inside {@code options} are relative to this directory (used when absolute
 *                   paths would exceed the one-page limit of mount data); {@link Snapshotter#mount} handles both.
 */
public record Mount(String type, String source, List<String> options, Path relativeTo) {
    public Mount {
        options = List.copyOf(options);
    }

    /** The options joined for mount(2). */
    public String data() {
        return String.join(",", options);
    }
}
