package io.wharf.build;

import java.util.List;
import java.util.Map;

/**
 * One Dockerfile instruction as parsed (Dockerfile reference, https://docs.docker.com/reference/dockerfile/), before
 * variable substitution: the builder expands words at dispatch time with the environment of that moment, exactly as
 * BuildKit and the classic builder do. Every record carries the line it starts on and its original text (continuations
 * joined), which the build stream shows as {@code Step 3/7 : <original>}.
 */
public sealed interface Instruction {
    /** 1-based line of the instruction keyword. */
    int line();

    /** The instruction as written, continuations joined (for "Step n/N : ..." and errors). */
    String original();

    /** The upper-case keyword. */
    default String keyword() {
        return switch (this) {
            case From f -> "FROM";
            case Run r -> "RUN";
            case Cmd c -> "CMD";
            case Entrypoint e -> "ENTRYPOINT";
            case Label l -> "LABEL";
            case Maintainer m -> "MAINTAINER";
            case Expose e -> "EXPOSE";
            case Env e -> "ENV";
            case Copy c -> c.add() ? "ADD" : "COPY";
            case Volume v -> "VOLUME";
            case User u -> "USER";
            case Workdir w -> "WORKDIR";
            case Arg a -> "ARG";
            case OnBuild o -> "ONBUILD";
            case StopSignal s -> "STOPSIGNAL";
            case Healthcheck h -> "HEALTHCHECK";
            case Shell s -> "SHELL";
        };
    }

    /**
     * A command in exec form ({@code ["a","b"]}, {@code json} true: the list is the argv) or shell form (one raw string
     * run by the SHELL, default {@code /bin/sh -c}).
     */
    record Command(List<String> args, boolean json) {
        public Command {
            args = List.copyOf(args);
        }

        public static Command shell(String s) {
            return new Command(List.of(s), false);
        }
    }

    /** {@code FROM [--platform=p] image [AS name]}; {@code image} may hold ${ARG} references to meta ARGs. */
    record From(int line, String original, String image, String stageName, String platform) implements Instruction {}

    record Run(int line, String original, Command command) implements Instruction {}

    record Cmd(int line, String original, Command command) implements Instruction {}

    record Entrypoint(int line, String original, Command command) implements Instruction {}

    /** Raw {@code key=value} words (quotes kept; removed by substitution). */
    record Label(int line, String original, List<KeyValue> pairs) implements Instruction {}

    record Maintainer(int line, String original, String name) implements Instruction {}

    record Expose(int line, String original, List<String> ports) implements Instruction {}

    /** ENV, both the {@code k=v ...} and the legacy {@code k v with spaces} form. */
    record Env(int line, String original, List<KeyValue> pairs) implements Instruction {}

    /**
     * COPY or ADD ({@code add}). Sources and dest are raw words (substituted at dispatch).
     *
     * @param from  {@code --from=} stage name, stage index or image; null for the build context
     * @param chown {@code --chown=}, or null
     * @param chmod {@code --chmod=} (octal), or null
     * @param inline heredoc sources ({@code COPY <<EOF /file}): the word → the file content; such a source is
     *               written {@code <<WORD} in {@code sources}
     */
    record Copy(int line, String original, boolean add, List<String> sources, String dest, String from, String chown,
                String chmod, Map<String, String> inline) implements Instruction {
        public Copy {
            sources = List.copyOf(sources);
            inline = inline == null ? Map.of() : Map.copyOf(inline);
        }
    }

    record Volume(int line, String original, List<String> paths) implements Instruction {}

    record User(int line, String original, String user) implements Instruction {}

    record Workdir(int line, String original, String path) implements Instruction {}

    /** {@code ARG name[=default] ...}; a null default means none. */
    record Arg(int line, String original, List<KeyValue> args) implements Instruction {}

    /** {@code ONBUILD <instruction>}: kept as text (the image config stores it so), validated at parse time. */
    record OnBuild(int line, String original, String trigger) implements Instruction {}

    record StopSignal(int line, String original, String signal) implements Instruction {}

    /**
     * HEALTHCHECK NONE ({@code command} null) or CMD with its options. Durations in nanoseconds (0 = inherit default).
     */
    record Healthcheck(int line, String original, Command command, long interval, long timeout, long startPeriod,
                       long startInterval, int retries) implements Instruction {}

    record Shell(int line, String original, List<String> shell) implements Instruction {
        public Shell {
            shell = List.copyOf(shell);
        }
    }

    /** A key and a raw value; value null for {@code ARG name} without default. */
    record KeyValue(String key, String value) {}

    /** Stage boundaries: meta args (before the first FROM) and the stages. */
    record Stages(List<Arg> metaArgs, List<Stage> stages) {}

    record Stage(int index, From from, List<Instruction> body) {
        public String name() {
            return from.stageName();
        }
    }

    /** Maps helper. */
    static Map<String, String> toMap(List<KeyValue> kvs) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (KeyValue kv : kvs) m.put(kv.key(), kv.value());
        return m;
    }
}
