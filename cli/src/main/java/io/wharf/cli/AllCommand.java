package io.wharf.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** Everything in the foreground: what `wharf up` runs in the background. */
@Command(name = "all", mixinStandardHelpOptions = true, description = "Run every part in the foreground (what `wharf up` starts as a daemon).")
final class AllCommand implements Callable<Integer> {
    @Mixin
    Settings settings;

    @Override
    public Integer call() {
        return Runner.run(settings, Parts.all(), true);
    }
}
