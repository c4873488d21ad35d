package io.wharf.cli;

import io.wharf.registry.RegistryConfig;

import java.util.List;

/** The parts `wharf up` runs, in start order, and their foreground subcommands. */
final class Parts {
    private Parts() {}

    static List<Part> all() {
        return List.of(EngineCommand.part(s -> new EngineCommand().withDefaults().config(s)),
                RegistryCommand.part(s -> RegistryConfig.defaults().withRoot(s.root.resolve("registry"))),
                ServerCommand.part(s -> new ServerCommand().withDefaults().config(s)));
    }

    /** The foreground subcommands (`wharf engine`, `wharf registry`, `wharf server`). */
    static List<Object> commands() {
        return List.of(new EngineCommand(), new RegistryCommand(), new ServerCommand(), new SimNodesCommand());
    }
}
