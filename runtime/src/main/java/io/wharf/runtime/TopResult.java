package io.wharf.runtime;

import java.util.List;

/** `docker top`: ps column titles and one row per process of the container (Docker's ContainerTopOKBody). */
public record TopResult(List<String> titles, List<List<String>> processes) {}
