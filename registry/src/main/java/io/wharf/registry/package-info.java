/**
 * Wharf's OCI registry: {@link io.wharf.registry.RegistryServer} serves the OCI Distribution Spec v1.1 (and the
 * Docker Registry HTTP API V2) over {@link io.wharf.registry.RegistryStorage}, which lays blobs, manifests, tags,
 * referrers and upload sessions out on a {@link io.wharf.registry.storage.StorageDriver} the way distribution does;
 * {@link io.wharf.registry.GarbageCollector} marks and sweeps it while the server runs.
 * {@link io.wharf.registry.client.RegistryClient} is the other side, for the engine's pull and push.
 *
 * <p>Spec: https://github.com/opencontainers/distribution-spec/blob/main/spec.md
 */
package io.wharf.registry;
