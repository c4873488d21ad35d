package io.wharf.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * `wharf sim-nodes`: a KWOK-like node SIMULATOR for tests and scale benchmarks (no containers run). Its flags are
 * parsed by the controllers module's own parser so they are documented in one place.
 */
@Command(name = "sim-nodes", description = "Simulate N nodes (for tests and benchmarks; runs no containers). "
        + "Flags: --count N [--prefix NAME] [--kubeconfig PATH] [--cpu 4] [--memory 16Gi] [--pods 110] ...")
final class SimNodesCommand implements Callable<Integer> {
    @Unmatched
    List<String> args = new java.util.ArrayList<>();

    @Override
    public Integer call() {
        return io.wharf.controllers.sim.SimNodesCommand.run(args, System.out, System.err);
    }
}
