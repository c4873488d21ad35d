package io.wharf.cli;

import java.util.List;

/** The parts `wharf up` runs, in start order, and their foreground subcommands. */
final class Parts {
    private Parts() {}

    static List<Part> all() {
        return List.of();
    }

    /** The foreground subcommands (`wharf engine`, `wharf registry`, `wharf server`). */
    static List<Object> commands() {
        return List.of();
    }
}
