package io.github.camelllm.wiring;

import io.github.camelllm.LlmPipeline;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The route template files found at a location: the same as Camel's package scan finds, without reading the jar. */
class TemplateFilesTest {

    private static final List<String> ENTRIES = List.of("t/routes/20-b.camel.yaml", "t/routes/10-a.camel.yaml",
            "t/routes/notes.txt", "t/routes/deeper/30-c.camel.yaml", "t/other/40-d.camel.yaml");

    private final CamelContext camel = new DefaultCamelContext();
    private URLClassLoader loader;

    @AfterEach
    void close() throws Exception {
        camel.close();
        if (loader != null) {
            loader.close();
        }
    }

    @Test
    void aFolderInAJarIsListedFromTheJarsDirectoryInNameOrder(@TempDir Path dir) throws Exception {
        Path jar = dir.resolve("templates.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (String folder : List.of("t/", "t/routes/", "t/routes/deeper/", "t/other/")) {
                out.putNextEntry(new JarEntry(folder)); // as jar and shade tools write them
                out.closeEntry();
            }
            for (String name : ENTRIES) {
                out.putNextEntry(new JarEntry(name));
                out.write(("content of " + name).getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
        useClassPath(jar);

        assertFound("classpath:t/routes/*.camel.yaml", "t/routes/10-a.camel.yaml", "t/routes/20-b.camel.yaml");
        assertThat(TemplateFiles.classpathNames(camel, "classpath:t/routes/*.camel.yaml")).isNotNull();
    }

    @Test
    void aFolderOnTheClassPathIsListed(@TempDir Path dir) throws Exception {
        for (String name : ENTRIES) {
            Path file = dir.resolve(name);
            Files.createDirectories(file.getParent());
            Files.writeString(file, "content of " + name);
        }
        useClassPath(dir);

        assertFound("classpath:t/routes/*.camel.yaml", "t/routes/10-a.camel.yaml", "t/routes/20-b.camel.yaml");
        assertFound("classpath:/t/routes/*.txt", "t/routes/notes.txt");
        assertThat(TemplateFiles.classpathNames(camel, "classpath:t/nowhere/*.camel.yaml")).isNull();
        assertThat(TemplateFiles.at(camel, "classpath:t/nowhere/*.camel.yaml")).isEmpty();
    }

    @Test
    void otherLocationsAreLeftToCamelsPackageScan(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("10-a.camel.yaml"), "content of 10-a");
        Files.writeString(dir.resolve("notes.txt"), "not a template");

        assertThat(TemplateFiles.classpathNames(camel, "file:" + dir + "/*.camel.yaml")).isNull();
        assertThat(TemplateFiles.classpathNames(camel, "classpath:t/*/*.camel.yaml")).isNull();
        assertThat(TemplateFiles.at(camel, "file:" + dir + "/*.camel.yaml")).extracting(TemplateFilesTest::content)
                .containsExactly("content of 10-a");
    }

    @Test
    void thePipelinesOwnTemplatesAreThoseCamelsPackageScanFinds() throws Exception {
        List<String> scanned = PluginHelper.getPackageScanResourceResolver(camel).findResources(LlmPipeline.TEMPLATES)
                .stream().map(TemplateFilesTest::content).sorted().toList();
        Collection<Resource> listed = TemplateFiles.at(camel, LlmPipeline.TEMPLATES);

        assertThat(scanned).hasSizeGreaterThanOrEqualTo(7);
        assertThat(listed).extracting(TemplateFilesTest::content).containsExactlyInAnyOrderElementsOf(scanned);
        assertThat(listed).extracting(Resource::getLocation)
                .allMatch(location -> location.startsWith("classpath:camel-llm-pipeline/routes/"))
                .isSorted();
    }

    private void useClassPath(Path entry) throws IOException {
        loader = new URLClassLoader(new URL[] {entry.toUri().toURL()}, null);
        camel.setApplicationContextClassLoader(loader);
    }

    private void assertFound(String location, String... names) throws Exception {
        assertThat(TemplateFiles.classpathNames(camel, location)).containsExactly(names);
        assertThat(TemplateFiles.at(camel, location)).extracting(TemplateFilesTest::content)
                .containsExactly(java.util.Arrays.stream(names).map(n -> "content of " + n).toArray(String[]::new));
    }

    private static String content(Resource resource) {
        try (InputStream in = resource.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(resource.getLocation(), e);
        }
    }
}
