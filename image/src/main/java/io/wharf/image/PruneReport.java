package io.wharf.image;

import java.util.List;

/** Result of {@code POST /images/prune}: the deleted items and the bytes freed. */
public record PruneReport(List<DeleteItem> deleted, long spaceReclaimed) {
    public PruneReport {
        deleted = List.copyOf(deleted);
    }
}
