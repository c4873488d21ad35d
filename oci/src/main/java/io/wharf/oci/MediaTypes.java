package io.wharf.oci;

import java.util.Set;

/**
 * Media types of the OCI image spec (media-types.md) and Docker's image manifest v2 schema 2
 * (distribution/docs/spec/manifest-v2-2.md). Registries and {@code docker save/load} use both families.
 */
public final class MediaTypes {
    private MediaTypes() {}

    // OCI image spec v1.1
    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    public static final String OCI_LAYOUT_HEADER = "application/vnd.oci.layout.header.v1+json";
    public static final String OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";
    public static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
    public static final String OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
    /** Deprecated "non-distributable" layers; still found in old Windows images. */
    public static final String OCI_LAYER_NONDIST_TAR = "application/vnd.oci.image.layer.nondistributable.v1.tar";
    public static final String OCI_LAYER_NONDIST_GZIP = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
    public static final String OCI_LAYER_NONDIST_ZSTD = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";
    public static final String OCI_EMPTY = "application/vnd.oci.empty.v1+json";

    // Docker image manifest v2 schema 2
    public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    public static final String DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    public static final String DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    /** Uncompressed Docker layer; rare on the wire but legal. */
    public static final String DOCKER_LAYER_TAR = "application/vnd.docker.image.rootfs.diff.tar";
    public static final String DOCKER_LAYER_ZSTD = "application/vnd.docker.image.rootfs.diff.tar.zstd";
    public static final String DOCKER_FOREIGN_LAYER_GZIP = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
    public static final String DOCKER_PLUGIN_CONFIG = "application/vnd.docker.plugin.v1+json";
    /** Schema 1 (deprecated, pull only refused with a clear error). */
    public static final String DOCKER_MANIFEST_V1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws";
    public static final String DOCKER_MANIFEST_V1 = "application/vnd.docker.distribution.manifest.v1+json";

    /** Image manifests (single platform). */
    public static final Set<String> MANIFESTS = Set.of(OCI_MANIFEST, DOCKER_MANIFEST);
    /** Multi-platform indexes / manifest lists. */
    public static final Set<String> INDEXES = Set.of(OCI_INDEX, DOCKER_MANIFEST_LIST);

    public static boolean isManifest(String mediaType) {
        return mediaType != null && MANIFESTS.contains(mediaType);
    }

    public static boolean isIndex(String mediaType) {
        return mediaType != null && INDEXES.contains(mediaType);
    }

    public static boolean isConfig(String mediaType) {
        return OCI_CONFIG.equals(mediaType) || DOCKER_CONFIG.equals(mediaType);
    }

    /** Whether the media type names an image layer of either family (any compression, foreign included). */
    public static boolean isLayer(String mediaType) {
        return mediaType != null && (mediaType.startsWith("application/vnd.oci.image.layer.")
                || mediaType.startsWith("application/vnd.docker.image.rootfs."));
    }

    /** The compression a layer media type announces. */
    public static Compression layerCompression(String mediaType) {
        if (mediaType == null) return Compression.NONE;
        if (mediaType.endsWith("+gzip") || mediaType.endsWith(".tar.gzip")) return Compression.GZIP;
        if (mediaType.endsWith("+zstd") || mediaType.endsWith(".tar.zstd")) return Compression.ZSTD;
        return Compression.NONE;
    }

    /** Layer compression as announced by a media type. */
    public enum Compression { NONE, GZIP, ZSTD }
}
