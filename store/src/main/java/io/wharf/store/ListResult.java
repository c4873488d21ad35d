package io.wharf.store;

import java.util.List;
import java.util.Objects;

/**
 * One page of a {@link Store#list} call.
 *
 * @param items    the live keys in key order ({@link Keys#ORDER}), at most {@code limit} of them
 * @param revision the revision of the snapshot the page was read at. Pass it back as {@code revision} when
 *                 reading the next page so that all pages come from one snapshot; it is also the
 *                 {@code resourceVersion} Kubernetes returns on a list and the revision to watch from.
 * @param more     true when more keys under the prefix follow the last item (at this revision)
 */
public record ListResult(List<KeyValue> items, long revision, boolean more) {
    public ListResult {
        items = List.copyOf(Objects.requireNonNull(items, "items"));
        if (revision < 0) {
            throw new IllegalArgumentException("revision " + revision);
        }
    }

    /** The startKey for the next page, or null when there is none. */
    public String continueKey() {
        return more && !items.isEmpty() ? Keys.after(items.getLast().key()) : null;
    }
}
