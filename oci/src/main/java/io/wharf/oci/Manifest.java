package io.wharf.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.wharf.common.Json;
import io.wharf.common.WharfException;

import java.util.List;
import java.util.Map;

/**
 * An image manifest: OCI image-manifest.md, or Docker's v2 schema 2 (the same shape; only media types differ).
 * The manifest digest is the sha256 of the exact bytes served, so keep those bytes when you need the digest;
 * {@link #toBytes()} is a canonical encoding for manifests Wharf creates.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Manifest(
        @JsonProperty("schemaVersion") int schemaVersion,
        @JsonProperty("mediaType") String mediaType,
        @JsonProperty("artifactType") String artifactType,
        @JsonProperty("config") Descriptor config,
        @JsonProperty("layers") List<Descriptor> layers,
        @JsonProperty("subject") Descriptor subject,
        @JsonProperty("annotations") Map<String, String> annotations) {

    public Manifest {
        if (schemaVersion != 2) throw WharfException.invalid("manifest: unsupported schemaVersion %d (only 2)", schemaVersion);
        if (config == null) throw WharfException.invalid("manifest: config is required");
        layers = layers == null ? List.of() : List.copyOf(layers);
        annotations = annotations == null ? null : Map.copyOf(annotations);
    }

    /** An OCI image manifest for a config and its layers. */
    public static Manifest oci(Descriptor config, List<Descriptor> layers) {
        return new Manifest(2, MediaTypes.OCI_MANIFEST, null, config, layers, null, null);
    }

    /** A Docker v2 schema 2 manifest for a config and its layers. */
    public static Manifest docker(Descriptor config, List<Descriptor> layers) {
        return new Manifest(2, MediaTypes.DOCKER_MANIFEST, null, config, layers, null, null);
    }

    /** Parses manifest bytes; malformed input is INVALID_ARGUMENT. */
    public static Manifest parse(byte[] bytes) {
        return Json.parse(bytes, Manifest.class);
    }

    /** Canonical compact JSON (nulls and empty collections omitted). */
    public byte[] toBytes() {
        try {
            return Json.COMPACT.writeValueAsBytes(this);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw WharfException.internal("cannot encode manifest", e);
        }
    }
}
