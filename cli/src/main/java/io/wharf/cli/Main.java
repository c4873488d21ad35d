package io.wharf.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The `wharf` command. Single parts (`engine`, `registry`, `server`) run in the foreground and log to stderr, for
 * service managers and tests; `up` starts the whole set as a daemon and `down` stops it.
 */
@Command(name = "wharf", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Docker and Kubernetes in one Java program.",
        subcommands = {UpCommand.class, DownCommand.class, AllCommand.class, DoctorCommand.class})
public final class Main implements Runnable {
    public static final String VERSION = "0.1.0";

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new Main());
        for (var sub : Parts.commands()) cl.addSubcommand(sub);
        System.exit(cl.execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"wharf " + VERSION + " (Java " + Runtime.version() + ")"};
        }
    }
}
