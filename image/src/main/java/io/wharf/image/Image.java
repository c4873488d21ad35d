package io.wharf.image;

import io.wharf.oci.Digest;
import io.wharf.oci.ImageConfig;

import java.time.Instant;
import java.util.List;

/**
 * An image as {@code docker images} / {@code docker image inspect} see it.
 *
 * @param id          sha256 of the config bytes (docker's image ID)
 * @param config      the parsed config (exact bytes: {@link ImageService#configBytes(Digest)})
 * @param repoTags    familiar tags, sorted: {@code nginx:latest}, {@code 127.0.0.1:5000/app:v1}
 * @param repoDigests familiar canonical names: {@code nginx@sha256:…}
 * @param parent      the local parent image (commit/build), or null
 * @param created     {@code config.created}, or the time of import when absent
 * @param size        sum of the uncompressed layer sizes, in bytes
 * @param lastTagTime when a tag was last added, or null
 * @param chainIds    chain ID of each layer, bottom first (the last one names the image's top snapshot)
 */
public record Image(Digest id, ImageConfig config, List<String> repoTags, List<String> repoDigests, Digest parent,
                    Instant created, long size, Instant lastTagTime, List<Digest> chainIds) {
    public Image {
        repoTags = List.copyOf(repoTags);
        repoDigests = List.copyOf(repoDigests);
        chainIds = List.copyOf(chainIds);
    }

    /** No tags and no digests: {@code <none>:<none>} in {@code docker images}. */
    public boolean dangling() {
        return repoTags.isEmpty() && repoDigests.isEmpty();
    }

    public List<Digest> diffIds() {
        return config.diffIds();
    }
}
