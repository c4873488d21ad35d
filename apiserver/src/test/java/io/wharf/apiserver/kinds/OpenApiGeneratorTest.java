package io.wharf.apiserver.kinds;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.file.Path;

/** Regenerates the shipped schemas on demand (-Dwharf.openapi.regenerate=true); see {@link OpenApiGenerator}. */
class OpenApiGeneratorTest {
    @Test
    @EnabledIfSystemProperty(named = "wharf.openapi.regenerate", matches = "true")
    void regenerate() throws Exception {
        OpenApiGenerator.main(new String[]{Path.of("src/main/resources/io/wharf/apiserver/kinds/openapi/definitions.json").toAbsolutePath().toString()});
    }
}
