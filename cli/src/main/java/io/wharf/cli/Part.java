package io.wharf.cli;

import io.wharf.common.Component;

/** One capability that `wharf up` runs (engine, registry, API server...), built from the shared settings. */
interface Part {
    String name();

    /** One line for `wharf up` to print once the part serves: how to use it. */
    String usage(Settings s);

    Component create(Settings s) throws Exception;
}
