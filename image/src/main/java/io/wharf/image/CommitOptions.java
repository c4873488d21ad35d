package io.wharf.image;

import io.wharf.oci.ImageConfig;

import java.time.Instant;
import java.util.List;

/**
 * A new image from a container's changes ({@code docker commit}, and each build step).
 *
 * @param config      the container config of the new image (the engine merges the container's config, the base image's
 *                    and {@code changes} the way docker does; null keeps the base image's)
 * @param changes     Dockerfile instructions applied on top of {@code config} ({@code docker commit --change})
 * @param reference   repo[:tag] to tag with, or null
 * @param author      {@code --author}
 * @param comment     {@code --message}; the history comment
 * @param createdBy   the history {@code created_by} (build: {@code /bin/sh -c #(nop) …}); null leaves it out
 * @param emptyLayer  build steps that change only metadata: record an {@code empty_layer} history entry and no layer
 * @param timestamp   the created time to record; null = now. With {@code reproducible}, also the mtime of every layer
 *                    entry (clamped), so the same inputs give the same layer digest
 * @param reproducible strip times (see timestamp) and user/group names from the layer tar
 */
public record CommitOptions(ImageConfig.ContainerConfig config, List<String> changes, String reference, String author,
                            String comment, String createdBy, boolean emptyLayer, Instant timestamp, boolean reproducible) {
    public CommitOptions {
        changes = changes == null ? List.of() : List.copyOf(changes);
    }

    public static CommitOptions of(String reference) {
        return new CommitOptions(null, List.of(), reference, null, null, null, false, null, false);
    }
}
