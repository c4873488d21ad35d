package io.wharf.image;

import java.util.List;

/**
 * {@code docker import} / {@code POST /images/create?fromSrc=}: a rootfs tar becomes a one-layer image.
 *
 * @param reference repo[:tag] to tag the image with, or null
 * @param changes   Dockerfile instructions from {@code --change}: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, WORKDIR,
 *                  VOLUME, STOPSIGNAL, ONBUILD, SHELL, HEALTHCHECK (others are rejected as docker does)
 * @param message   the history comment (docker: {@code --message}; default "Imported from -")
 * @param platform  {@code os/arch[/variant]} or null for the host
 */
public record ImportOptions(String reference, List<String> changes, String message, String platform) {
    public ImportOptions {
        changes = changes == null ? List.of() : List.copyOf(changes);
    }

    public static ImportOptions tagged(String reference) {
        return new ImportOptions(reference, List.of(), null, null);
    }
}
