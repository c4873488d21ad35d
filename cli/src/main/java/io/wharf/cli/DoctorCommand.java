package io.wharf.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

@Command(name = "doctor", description = "Check the host: kernel features, cgroups, binaries, disk; say what to fix.")
final class DoctorCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return 0;
    }
}
