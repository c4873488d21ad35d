package io.wharf.image;

import java.time.Instant;
import java.util.List;

/**
 * The filters of {@code GET /images/json} and {@code POST /images/prune} (docker's names). Null or empty means "not
 * filtered". Several values of one filter are OR-ed (reference, before/since take one value), filters are AND-ed.
 *
 * @param dangling  true: only untagged images; false: only tagged ones
 * @param labels    {@code key} or {@code key=value}; all must match
 * @param references patterns matched against familiar names with Go's path.Match ({@code busy*}, {@code nginx:1.*})
 * @param before    an image name or ID: only images created before it
 * @param since     an image name or ID: only images created after it
 * @param until     prune/list only images created before this instant
 * @param all       list: include intermediate images (untagged images that are parents of others); ignored by prune
 */
public record ImageFilter(Boolean dangling, List<String> labels, List<String> references, String before, String since,
                          Instant until, boolean all) {
    public static final ImageFilter NONE = new ImageFilter(null, List.of(), List.of(), null, null, null, false);

    public ImageFilter {
        labels = labels == null ? List.of() : List.copyOf(labels);
        references = references == null ? List.of() : List.copyOf(references);
    }

    /** Only dangling images (what {@code docker image prune} without -a removes). */
    public static final ImageFilter DANGLING = new ImageFilter(true, List.of(), List.of(), null, null, null, false);
}
