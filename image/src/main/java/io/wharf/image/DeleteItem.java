package io.wharf.image;

/**
 * One line of {@code DELETE /images/{name}} and prune output: exactly one of the two is set.
 *
 * @param untagged a familiar reference that was removed ({@code nginx:latest}, {@code nginx@sha256:…})
 * @param deleted  an image ID or layer chain ID that was deleted ({@code sha256:…})
 */
public record DeleteItem(String untagged, String deleted) {
    public static DeleteItem untagged(String ref) {
        return new DeleteItem(ref, null);
    }

    public static DeleteItem deleted(String id) {
        return new DeleteItem(null, id);
    }
}
