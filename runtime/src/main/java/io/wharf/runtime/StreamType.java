package io.wharf.runtime;

/** The three standard streams, numbered as in Docker's multiplexed stream header and conmon's attach socket. */
public enum StreamType {
    STDIN(0), STDOUT(1), STDERR(2);

    private final int docker;

    StreamType(int docker) {
        this.docker = docker;
    }

    /** The stream byte of Docker's 8-byte frame header. */
    public int dockerId() {
        return docker;
    }
}
