package io.wharf.build;

import io.wharf.build.Instruction.*;
import io.wharf.common.WharfException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class DockerfileTest {
    static Instruction one(String line) {
        List<Instruction> l = Dockerfile.parse(line).instructions();
        assertEquals(1, l.size(), line);
        return l.getFirst();
    }

    @Test
    void everyInstruction() {
        Dockerfile df = Dockerfile.parse("""
                # syntax=docker/dockerfile:1
                ARG BASE=busybox
                FROM --platform=linux/amd64 ${BASE} AS builder
                RUN echo hi && \\
                    echo there
                RUN ["sh", "-c", "echo exec"]
                CMD ["app", "--flag"]
                ENTRYPOINT /bin/run
                LABEL a=b "c d"="e f"
                MAINTAINER Jane <j@x>
                EXPOSE 80 443/udp
                ENV A=1 B="two words"
                ENV LEGACY value with spaces
                ADD --chown=1:2 a.tar /opt/
                COPY --from=builder --chown=app:app --chmod=644 src/*.go dst/
                COPY ["with space", "/d/"]
                VOLUME ["/data", "/logs"]
                VOLUME /one /two
                USER app:app
                WORKDIR /app
                ARG X Y=2
                ONBUILD run echo triggered
                STOPSIGNAL SIGQUIT
                HEALTHCHECK --interval=30s --timeout=1m30s --start-period=500ms --retries=3 CMD curl -f http://localhost/
                HEALTHCHECK NONE
                SHELL ["/bin/bash", "-c"]
                from scratch
                """);
        assertEquals(Map.of("syntax", "docker/dockerfile:1"), df.directives());
        List<Instruction> l = df.instructions();
        int i = 0;
        assertEquals(new Arg(2, "ARG BASE=busybox", List.of(new KeyValue("BASE", "busybox"))), l.get(i++));
        assertEquals(new From(3, "FROM --platform=linux/amd64 ${BASE} AS builder", "${BASE}", "builder", "linux/amd64"), l.get(i++));
        Run r = (Run) l.get(i++);
        assertEquals(4, r.line());
        assertEquals(Command.shell("echo hi &&     echo there"), r.command());
        assertEquals("RUN echo hi &&     echo there", r.original());
        assertEquals(new Command(List.of("sh", "-c", "echo exec"), true), ((Run) l.get(i++)).command());
        assertEquals(new Command(List.of("app", "--flag"), true), ((Cmd) l.get(i++)).command());
        assertEquals(Command.shell("/bin/run"), ((Entrypoint) l.get(i++)).command());
        assertEquals(List.of(new KeyValue("a", "b"), new KeyValue("\"c d\"", "\"e f\"")), ((Label) l.get(i++)).pairs());
        assertEquals("Jane <j@x>", ((Maintainer) l.get(i++)).name());
        assertEquals(List.of("80", "443/udp"), ((Expose) l.get(i++)).ports());
        assertEquals(List.of(new KeyValue("A", "1"), new KeyValue("B", "\"two words\"")), ((Env) l.get(i++)).pairs());
        assertEquals(List.of(new KeyValue("LEGACY", "value with spaces")), ((Env) l.get(i++)).pairs());
        Copy add = (Copy) l.get(i++);
        assertTrue(add.add());
        assertEquals("1:2", add.chown());
        assertEquals(List.of("a.tar"), add.sources());
        assertEquals("/opt/", add.dest());
        Copy cp = (Copy) l.get(i++);
        assertEquals(new Copy(15, cp.original(), false, List.of("src/*.go"), "dst/", "builder", "app:app", "644", Map.of()), cp);
        assertEquals(List.of("with space"), ((Copy) l.get(i++)).sources());
        assertEquals(List.of("/data", "/logs"), ((Volume) l.get(i++)).paths());
        assertEquals(List.of("/one", "/two"), ((Volume) l.get(i++)).paths());
        assertEquals("app:app", ((User) l.get(i++)).user());
        assertEquals("/app", ((Workdir) l.get(i++)).path());
        assertEquals(List.of(new KeyValue("X", null), new KeyValue("Y", "2")), ((Arg) l.get(i++)).args());
        assertEquals("RUN echo triggered", ((OnBuild) l.get(i++)).trigger());
        assertEquals("SIGQUIT", ((StopSignal) l.get(i++)).signal());
        Healthcheck h = (Healthcheck) l.get(i++);
        assertEquals(Command.shell("curl -f http://localhost/"), h.command());
        assertEquals(30_000_000_000L, h.interval());
        assertEquals(90_000_000_000L, h.timeout());
        assertEquals(500_000_000L, h.startPeriod());
        assertEquals(3, h.retries());
        assertNull(((Healthcheck) l.get(i++)).command());
        assertEquals(List.of("/bin/bash", "-c"), ((Shell) l.get(i++)).shell());
        assertEquals(new From(27, "from scratch", "scratch", null, null), l.get(i++));
        assertEquals(l.size(), i);

        Stages s = df.stages();
        assertEquals(1, s.metaArgs().size());
        assertEquals(2, s.stages().size());
        assertEquals("builder", s.stages().get(0).name());
        assertEquals(22, s.stages().get(0).body().size());
        assertTrue(s.stages().get(1).body().isEmpty());
    }

    @Test
    void continuationsCommentsAndBlankLines() {
        Dockerfile df = Dockerfile.parse("""
                FROM busybox
                # a comment
                RUN echo a \\
                # comment inside a continuation is dropped
                \\
                    b \\

                    c
                   # indented comment
                   CMD   x
                """);
        assertEquals(Command.shell("echo a     b     c"), ((Run) df.instructions().get(1)).command());
        assertEquals(3, df.instructions().get(1).line());
        assertEquals(10, df.instructions().get(2).line());
        assertEquals(Command.shell("x"), ((Cmd) df.instructions().get(2)).command());
    }

    @Test
    void escapeDirective() {
        Dockerfile df = Dockerfile.parse("# escape=`\nFROM busybox\nRUN dir C:\\ `\n  && echo x\n");
        assertEquals('`', df.escape());
        assertEquals(Command.shell("dir C:\\   && echo x"), ((Run) df.instructions().get(1)).command());
        // a directive after the first instruction is just a comment
        Dockerfile late = Dockerfile.parse("FROM busybox\n# escape=`\nRUN a \\\n b");
        assertEquals('\\', late.escape());
        assertEquals(Command.shell("a  b"), ((Run) late.instructions().get(1)).command());
        // after an ordinary comment directives stop too
        assertEquals('\\', Dockerfile.parse("# hello\n# escape=`\nFROM x").escape());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "FROM busybox\\nRUN x\\nFOO bar|dockerfile parse error line 3: unknown instruction: FOO",
            "FROM a b|dockerfile parse error line 1: FROM requires either one or three arguments",
            "FROM busybox\\nCOPY onlyone|dockerfile parse error line 2: COPY requires at least two arguments, but only one was provided. Destination could not be determined.",
            "FROM busybox\\nSHELL sh -c|dockerfile parse error line 2: SHELL requires the arguments to be in JSON form",
            "FROM busybox\\nENV A|dockerfile parse error line 2: ENV must have two arguments",
            "FROM busybox\\nENV =x|dockerfile parse error line 2: ENV names can not be blank",
            "FROM busybox\\nCOPY --nope=1 a b|dockerfile parse error line 2: Unknown flag: nope",
            "FROM busybox\\nRUN --mount=type=cache,target=/x true|dockerfile parse error line 2: the --mount option requires BuildKit. Refer to https://docs.docker.com/go/buildkit/ to learn how to build images with BuildKit enabled",
            "FROM busybox\\nCOPY --link a b|dockerfile parse error line 2: the --link option requires BuildKit. Refer to https://docs.docker.com/go/buildkit/ to learn how to build images with BuildKit enabled",
            "FROM busybox\\nONBUILD ONBUILD RUN x|dockerfile parse error line 2: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
            "FROM busybox\\nONBUILD FROM x|dockerfile parse error line 2: FROM isn't allowed as an ONBUILD trigger",
            "FROM busybox\\nHEALTHCHECK --interval=abc CMD x|dockerfile parse error line 2: invalid --interval duration: abc",
            "FROM busybox\\nHEALTHCHECK GET x|dockerfile parse error line 2: Unknown type \"GET\" in HEALTHCHECK (try CMD)",
            "FROM busybox\\nWORKDIR|dockerfile parse error line 2: WORKDIR requires exactly one argument",
            "FROM busybox\\n\\n\\nEXPOSE|dockerfile parse error line 4: EXPOSE requires at least one argument",
            "# escape=x\\nFROM a|dockerfile parse error line 1: invalid escape token 'x' does not match ` or \\",
            "FROM a AS 1x|dockerfile parse error line 1: invalid name for build stage: \"1x\", name can't start with a number or contain symbols",
    })
    void errorsNameTheLine(String text, String message) {
        WharfException e = assertThrows(WharfException.class, () -> Dockerfile.parse(text.replace("\\n", "\n")).stages());
        assertEquals(message, e.getMessage());
    }

    @Test
    void stageErrors() {
        assertEquals("dockerfile parse error line 1: no build stage in current context (the first instruction must be FROM; RUN found)",
                assertThrows(WharfException.class, () -> Dockerfile.parse("RUN x\nFROM y").stages()).getMessage());
        assertTrue(assertThrows(WharfException.class, () -> Dockerfile.parse("# only a comment\n").stages()).getMessage()
                .contains("no FROM"));
        assertEquals("dockerfile parse error line 2: duplicate name a",
                assertThrows(WharfException.class, () -> Dockerfile.parse("FROM x AS a\nFROM y AS A").stages()).getMessage());
    }

    @Test
    void heredocs() {
        Dockerfile df = Dockerfile.parse("""
                FROM busybox
                RUN <<EOF
                echo one
                echo two
                EOF
                RUN cat <<-'A' > /x && cat <<B > /y
                \thello
                A
                world
                B
                COPY <<conf /etc/app.conf
                key=value
                conf
                CMD ["x"]
                """);
        List<Instruction> l = df.instructions();
        assertEquals(Command.shell("echo one\necho two\n"), ((Run) l.get(1)).command());
        assertEquals(Command.shell("cat <<-'A' > /x && cat <<B > /y\nhello\nA\nworld\nB"), ((Run) l.get(2)).command());
        Copy c = (Copy) l.get(3);
        assertEquals(List.of("<<conf"), c.sources());
        assertEquals(Map.of("conf", "key=value\n"), c.inline());
        assertEquals(14, l.get(4).line());
        assertEquals("dockerfile parse error line 2: unterminated heredoc EOF",
                assertThrows(WharfException.class, () -> Dockerfile.parse("FROM x\nRUN <<EOF\necho\n")).getMessage());
        // a here-string is not a heredoc
        assertEquals(Command.shell("cat <<<word"), ((Run) Dockerfile.parse("FROM x\nRUN cat <<<word\n").instructions().get(1)).command());
    }

    @Test
    void shellFormFallbackAndOnbuildCase() {
        assertEquals(Command.shell("[not json"), ((Cmd) one("CMD [not json")).command());
        assertEquals(Command.shell("[\"a\", 1]"), ((Cmd) one("CMD [\"a\", 1]")).command());
        assertEquals("COPY a /b", ((OnBuild) one("onbuild copy a /b")).trigger());
    }

    @Test
    void durations() {
        assertEquals(3_723_000_000_000L, Dockerfile.duration(1, "x", "1h2m3s"));
        assertEquals(1_500_000_000L, Dockerfile.duration(1, "x", "1.5s"));
        assertEquals("1m30s", Builder.goDuration(90_000_000_000L));
        assertEquals("0s", Builder.goDuration(0));
        assertEquals("500ms", Builder.goDuration(500_000_000L));
        assertEquals("1h0m0s", Builder.goDuration(3_600_000_000_000L));
        assertEquals("[\"a\" \"b \\\"c\\\"\"]", Builder.goQuote(List.of("a", "b \"c\"")));
        assertEquals(List.of("8000/tcp", "8001/tcp"), Builder.expandPort("8000-8001"));
        assertEquals(List.of("53/udp"), Builder.expandPort("53/UDP"));
    }
}
