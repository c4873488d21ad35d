package io.wharf.image;

import io.wharf.common.WharfException;
import io.wharf.oci.ImageConfig.ContainerConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ChangesTest {
    @Test
    void appliesDockerfileInstructions() {
        ContainerConfig c = Changes.apply(ContainerConfig.EMPTY.withEnv(List.of("PATH=/bin", "A=old")), List.of(
                "CMD echo hi", "ENTRYPOINT [\"/bin/sh\", \"-c\"]", "ENV A=new B=\"two words\"", "ENV C some value",
                "EXPOSE 80 53/udp", "LABEL a=b \"c d\"=e", "USER nobody", "WORKDIR /app", "WORKDIR sub", "VOLUME /data /logs",
                "STOPSIGNAL SIGTERM", "ONBUILD RUN true", "HEALTHCHECK CMD true"));
        assertEquals(List.of("/bin/sh", "-c", "echo hi"), c.cmd());
        assertEquals(List.of("/bin/sh", "-c"), c.entrypoint());
        assertEquals(List.of("PATH=/bin", "A=new", "B=two words", "C=some value"), c.env());
        assertEquals(Map.of("80/tcp", Map.of(), "53/udp", Map.of()), c.exposedPorts());
        assertEquals(Map.of("a", "b", "c d", "e"), c.labels());
        assertEquals("nobody", c.user());
        assertEquals("/app/sub", c.workingDir());
        assertEquals(2, c.volumes().size());
        assertEquals("SIGTERM", c.stopSignal());
        assertEquals(List.of("RUN true"), c.onBuild());
        assertEquals(List.of("CMD-SHELL", "true"), c.healthcheck().test());
    }

    @Test
    void rejectsOtherInstructions() {
        WharfException e = assertThrows(WharfException.class, () -> Changes.apply(null, List.of("RUN rm -rf /")));
        assertEquals("RUN is not a valid change command", e.getMessage());
        assertThrows(WharfException.class, () -> Changes.apply(null, List.of("EXPOSE abc")));
    }
}
