package io.wharf.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.wharf.common.WharfException;

import java.util.List;
import java.util.Map;

/**
 * A content descriptor (OCI image spec descriptor.md): what a blob is, its digest and its size. Used for manifest
 * configs and layers, index entries, and the {@code subject} of referrers.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Descriptor(
        @JsonProperty("mediaType") String mediaType,
        @JsonProperty("digest") Digest digest,
        @JsonProperty("size") long size,
        @JsonProperty("urls") List<String> urls,
        @JsonProperty("annotations") Map<String, String> annotations,
        @JsonProperty("platform") Platform platform,
        @JsonProperty("artifactType") String artifactType) {

    /** Annotation holding the reference name of a manifest in an OCI layout's index.json (a tag such as {@code alpine}). */
    public static final String ANNOTATION_REF_NAME = "org.opencontainers.image.ref.name";
    /** Annotation containerd and dockerd ≥25 write in index.json with the full image name. */
    public static final String ANNOTATION_CONTAINERD_IMAGE_NAME = "io.containerd.image.name";

    public Descriptor {
        if (mediaType == null || mediaType.isEmpty()) throw WharfException.invalid("descriptor: mediaType is required");
        if (digest == null) throw WharfException.invalid("descriptor: digest is required");
        if (size < 0) throw WharfException.invalid("descriptor: negative size %d", size);
        urls = urls == null ? null : List.copyOf(urls);
        annotations = annotations == null ? null : Map.copyOf(annotations);
    }

    public static Descriptor of(String mediaType, Digest digest, long size) {
        return new Descriptor(mediaType, digest, size, null, null, null, null);
    }

    /** The descriptor of {@code bytes} with this media type. */
    public static Descriptor of(String mediaType, byte[] bytes) {
        return of(mediaType, Digest.sha256(bytes), bytes.length);
    }

    public Descriptor withAnnotations(Map<String, String> a) {
        return new Descriptor(mediaType, digest, size, urls, a, platform, artifactType);
    }

    public Descriptor withPlatform(Platform p) {
        return new Descriptor(mediaType, digest, size, urls, annotations, p, artifactType);
    }

    public String annotation(String key) {
        return annotations == null ? null : annotations.get(key);
    }
}
