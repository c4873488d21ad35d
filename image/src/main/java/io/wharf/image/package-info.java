/**
 * Images on overlayfs, as dockerd + containerd keep them.
 *
 * <h2>Entry point: {@link io.wharf.image.ImageService}</h2>
 * {@code new ImageService(root)} (root default {@code /var/lib/wharf}; tests pass a temp dir). Lookups:
 * {@code get(nameOrId)} (NOT_FOUND "No such image: x"), {@code find}, {@code list(ImageFilter)}, {@code history},
 * {@code configBytes(id)}. References: {@code tag}, {@code tagImage}, {@code addRepoDigest}. Removal with docker's
 * rules: {@code delete(name, force, prune, ContainerUsage)}, {@code prune(ImageFilter, ContainerUsage)} (the engine
 * supplies which containers use an image). New images: {@code importImage}, {@code commit}, {@code unpackLayer} +
 * {@code register} (registry pulls, builder), {@code load}; out: {@code save}, {@code pushBundle}.
 * Container root filesystems: {@code prepare(containerId, imageId)} → {@link io.wharf.image.Mount},
 * {@code mount(containerId, target)}, {@code unmount(target)}, {@code remove(containerId)}, {@code changes},
 * {@code sizeRw}, {@code export}, {@code upperDir}, {@code graphDriverData}.
 *
 * <h2>Registry client (pull)</h2>
 * one pass per layer: the download goes into a {@code content().writer()} (hashed, committed against the layer
 * digest) while the same bytes stream into {@code applyLayerStream(parentChain, stream, diffId, gate)}, which
 * decompresses, hashes and extracts them into a new snapshot that becomes visible only when the diff ID matched and
 * the gate (the writer's commit) passed; bottom-up (parentChain = previous layer's chainId, null first). A layer
 * already downloaded: {@code applyLayerStream(parent, content().open(digest), diffId, null)}. The uncompressed tar is
 * not stored ({@code ensureUncompressed} makes it for save). Then {@code linkCompressed(diffId, layerDescriptor)},
 * store the manifest bytes
 * ({@code content().write(bytes)}), {@code register(configBytes, null, List.of(manifestDigest))},
 * {@code tagImage(id, ref)}, {@code addRepoDigest(id, ref.withDigest(manifestDigest))}.
 * Push: {@code pushBundle(id)} gives the config, gzip layer and manifest blobs, all in the content store.
 *
 * <h2>Builder</h2>
 * {@code prepare(key, baseImageId)}, mount, run the step, {@code commit(key, base, CommitOptions)} (createdBy,
 * emptyLayer for metadata-only steps, reproducible timestamps), {@code remove(key)}. COPY/ADD extract with
 * {@link io.wharf.image.Archive#extract}.
 *
 * <h2>docker cp</h2>
 * {@link io.wharf.image.Archive#stat}, {@link io.wharf.image.Archive#tar}, {@link io.wharf.image.Archive#extract}
 * on a mounted rootfs (or {@code /proc/<pid>/root}); every path resolves inside the root.
 *
 * <p>Native calls (mknod, xattrs, mount) use the FFM API: run the JVM with {@code --enable-native-access=ALL-UNNAMED}.
 */
package io.wharf.image;
