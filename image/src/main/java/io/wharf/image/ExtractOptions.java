package io.wharf.image;

/**
 * How {@link Archive#extract} writes a tar into a directory. Every mode keeps every write inside the root.
 *
 * @param overlayWhiteouts convert OCI whiteouts ({@code .wh.x}, {@code .wh..wh..opq}) into overlayfs ones (0/0 char
 *                         devices, {@code trusted.overlay.opaque}); for image layers
 * @param allowDevices     create block/char devices and fifos (else they are rejected)
 * @param preserveOwner    lchown entries to their tar uid/gid (else to {@code uid}/{@code gid})
 * @param uid              owner when not preserving (docker cp without -a: the container's user; 0 for root)
 * @param gid              group when not preserving
 * @param noOverwriteDirNonDir refuse to replace a directory by a non-directory and the reverse (docker cp's
 *                         {@code noOverwriteDirNonDir=true})
 */
public record ExtractOptions(boolean overlayWhiteouts, boolean allowDevices, boolean preserveOwner, int uid, int gid,
                             boolean noOverwriteDirNonDir) {
    /** Image layers and imports: everything preserved, whiteouts converted. */
    public static final ExtractOptions LAYER = new ExtractOptions(true, true, true, 0, 0, false);
    /** {@code docker cp} into a container with {@code -a}: owners preserved, devices refused. */
    public static final ExtractOptions COPY_PRESERVE = new ExtractOptions(false, false, true, 0, 0, true);

    /** {@code docker cp} into a container: files owned by {@code uid:gid} (docker uses the container's root). */
    public static ExtractOptions copy(int uid, int gid) {
        return new ExtractOptions(false, false, false, uid, gid, true);
    }
}
