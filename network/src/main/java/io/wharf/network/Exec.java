package io.wharf.network;

import io.wharf.common.WharfException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** Runs host tools (ip, iptables, unshare, CNI plugins) and captures their output. */
final class Exec {
    private Exec() {}

    record Result(int exit, String stdout, String stderr) {
        boolean ok() {
            return exit == 0;
        }

        String output() {
            String s = (stdout.strip() + " " + stderr.strip()).strip();
            return s.isEmpty() ? "exit status " + exit : s;
        }
    }

    static Result run(List<String> cmd, Map<String, String> env, byte[] stdin) {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (env != null) pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw WharfException.internal("cannot run " + cmd.getFirst() + ": " + e.getMessage(), e);
        }
        // stderr on its own thread so neither pipe can fill up and block the child.
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()),
                r -> Thread.ofVirtual().start(r));
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) in.write(stdin);
        } catch (IOException ignored) {
            // the child may exit without reading its input; its exit status tells what happened
        }
        String out = readAll(p.getInputStream());
        try {
            int exit = p.waitFor();
            return new Result(exit, out, err.join());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw WharfException.internal("interrupted while running " + cmd.getFirst(), e);
        }
    }

    static Result run(String... cmd) {
        return run(List.of(cmd), null, null);
    }

    /** Runs and throws INTERNAL with the tool's output if it fails. */
    static String check(String... cmd) {
        Result r = run(cmd);
        if (!r.ok()) throw WharfException.internal(String.join(" ", cmd) + ": " + r.output(), null);
        return r.stdout();
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
