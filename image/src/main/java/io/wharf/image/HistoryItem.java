package io.wharf.image;

import java.time.Instant;
import java.util.List;

/**
 * A row of {@code GET /images/{name}/history}, newest first.
 *
 * @param id        the image ID for the top row (and for rows that are exactly a local parent image), else "<missing>"
 * @param created   from the history entry (null when absent)
 * @param createdBy the instruction, e.g. {@code /bin/sh -c #(nop)  CMD ["sh"]}
 * @param tags      repo tags of {@code id}
 * @param size      size of the layer made by this step (0 for empty_layer)
 */
public record HistoryItem(String id, Instant created, String createdBy, List<String> tags, long size, String comment) {
    public HistoryItem {
        tags = tags == null ? List.of() : List.copyOf(tags);
    }
}
