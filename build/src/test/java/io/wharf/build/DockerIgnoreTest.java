package io.wharf.build;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class DockerIgnoreTest {
    @Test
    void goMatchSemantics() {
        DockerIgnore d = DockerIgnore.parse("""
                # comment
                *.log
                /build
                docs/**/*.md
                !docs/keep.md
                te?t
                [abc].txt
                [!x]y.bin
                """);
        assertTrue(d.excluded("a.log"));
        assertFalse(d.excluded("sub/a.log"), "* does not cross /");
        assertTrue(d.excluded("build"));
        assertTrue(d.excluded("build/x/y"), "a matching parent excludes its contents");
        assertTrue(d.excluded("docs/a/b/c.md"));
        assertTrue(d.excluded("docs/c.md"), "** matches zero directories");
        assertFalse(d.excluded("docs/keep.md"), "! re-includes");
        assertTrue(d.excluded("test"));
        assertFalse(d.excluded("teest"));
        assertTrue(d.excluded("b.txt"));
        assertFalse(d.excluded("d.txt"));
        assertTrue(d.excluded("ay.bin"));
        assertFalse(d.excluded("xy.bin"));
        assertFalse(d.excluded("Dockerfile"));
        assertEquals(java.util.List.of("*.log", "build", "docs/**/*.md", "!docs/keep.md", "te?t", "[abc].txt", "[!x]y.bin"), d.patterns());
    }

    @Test
    void lastMatchWinsAndCleaning() {
        DockerIgnore d = DockerIgnore.parse("*\n!src\nsrc/secret\n./tmp/../cache/\n");
        assertTrue(d.excluded("README"));
        assertFalse(d.excluded("src/main.go"));
        assertTrue(d.excluded("src/secret"));
        assertTrue(d.excluded("cache/x"));
        assertTrue(d.hasExclusions());
        DockerIgnore all = DockerIgnore.parse("**\n!Dockerfile");
        assertTrue(all.excluded("a/b/c"));
        assertFalse(all.excluded("Dockerfile"));
        assertFalse(DockerIgnore.EMPTY.excluded("x"));
        assertTrue(DockerIgnore.parse("a\\*b").excluded("a*b"));
        assertFalse(DockerIgnore.parse("a\\*b").excluded("axb"));
    }
}
