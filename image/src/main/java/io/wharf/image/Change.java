package io.wharf.image;

/**
 * A filesystem change of a container against its image ({@code GET /containers/{id}/changes}).
 *
 * @param path absolute path inside the container
 * @param kind 0 = modified, 1 = added, 2 = deleted (docker's numbering)
 */
public record Change(String path, int kind) {
    public static final int MODIFIED = 0;
    public static final int ADDED = 1;
    public static final int DELETED = 2;
}
