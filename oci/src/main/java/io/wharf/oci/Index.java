package io.wharf.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.wharf.common.Json;
import io.wharf.common.WharfException;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An OCI image index (image-index.md) or a Docker manifest list (same shape). Also the {@code index.json} of an
 * OCI image layout and of {@code docker save} output.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Index(
        @JsonProperty("schemaVersion") int schemaVersion,
        @JsonProperty("mediaType") String mediaType,
        @JsonProperty("artifactType") String artifactType,
        @JsonProperty("manifests") List<Descriptor> manifests,
        @JsonProperty("subject") Descriptor subject,
        @JsonProperty("annotations") Map<String, String> annotations) {

    public Index {
        if (schemaVersion != 2) throw WharfException.invalid("index: unsupported schemaVersion %d (only 2)", schemaVersion);
        manifests = manifests == null ? List.of() : List.copyOf(manifests);
        annotations = annotations == null ? null : Map.copyOf(annotations);
    }

    public static Index oci(List<Descriptor> manifests) {
        return new Index(2, MediaTypes.OCI_INDEX, null, manifests, null, null);
    }

    public static Index parse(byte[] bytes) {
        return Json.parse(bytes, Index.class);
    }

    public byte[] toBytes() {
        try {
            return Json.COMPACT.writeValueAsBytes(this);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw WharfException.internal("cannot encode index", e);
        }
    }

    /** The first manifest whose platform matches {@code wanted} (entries without a platform are skipped). */
    public Optional<Descriptor> select(Platform wanted) {
        return manifests.stream().filter(d -> d.platform() != null && d.platform().matches(wanted)).findFirst();
    }
}
