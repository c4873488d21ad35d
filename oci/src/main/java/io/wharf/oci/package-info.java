/**
 * Pure value types of the OCI image spec and Docker's image manifest v2 schema 2: {@link io.wharf.oci.Digest},
 * {@link io.wharf.oci.MediaTypes}, {@link io.wharf.oci.Descriptor}, {@link io.wharf.oci.Platform},
 * {@link io.wharf.oci.Manifest}, {@link io.wharf.oci.Index}, {@link io.wharf.oci.ImageConfig} (unknown fields
 * round-trip; keep raw bytes with {@link io.wharf.oci.ImageConfig.Raw} since the image ID is their sha256) and
 * {@link io.wharf.oci.Reference} (distribution/reference parsing and normalization, familiar names).
 * All are Jackson-annotated records; encode with {@code io.wharf.common.Json} mappers or their {@code toBytes()}.
 */
package io.wharf.oci;
