package io.github.camelllm.wiring;

import org.apache.camel.CamelContext;
import org.apache.camel.spi.Resource;
import org.apache.camel.spi.ResourceLoader;
import org.apache.camel.support.PluginHelper;

import java.io.IOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Enumeration;
import java.util.List;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The route template files at a location such as {@code classpath:camel-llm-pipeline/routes/*.camel.yaml}.
 * <p>
 * Camel's package scan reads a jar that holds such a folder as a stream from its first entry to its last,
 * inflating every entry on the way: inside the application's 40 MB shaded jar that was three quarters of a second
 * of every start, before the first call. For a {@code classpath:} folder with a pattern on the file name this reads
 * only the jar's directory (its central directory, as {@link JarFile} does) or lists the folder; any other location
 * (a {@code file:} folder of edited copies, a pattern across folders, a class path entry of another kind) is left to
 * Camel's package scan.
 */
public final class TemplateFiles {

    private static final String CLASSPATH = "classpath:";

    private TemplateFiles() {
    }

    /** The template files at the location, in name order. */
    public static Collection<Resource> at(CamelContext camel, String location) throws Exception {
        List<String> names = classpathNames(camel, location);
        if (names == null) {
            return PluginHelper.getPackageScanResourceResolver(camel).findResources(location);
        }
        ResourceLoader loader = PluginHelper.getResourceLoader(camel);
        List<Resource> resources = new ArrayList<>();
        for (String name : names) {
            resources.add(loader.resolveResource(CLASSPATH + name));
        }
        return resources;
    }

    /**
     * The class path names ({@code folder/file}) matching a {@code classpath:folder/pattern} location, or null when
     * the location is not of that kind, no class path entry has the folder as such, or one that has it is neither a
     * jar nor a folder.
     */
    static List<String> classpathNames(CamelContext camel, String location) throws IOException {
        if (!location.startsWith(CLASSPATH)) {
            return null;
        }
        String path = location.substring(CLASSPATH.length());
        while (path.startsWith("/")) {
            path = path.substring(1);
        }
        int slash = path.lastIndexOf('/');
        String folder = slash < 0 ? "" : path.substring(0, slash);
        String pattern = path.substring(slash + 1);
        if (folder.isEmpty() || folder.contains("*") || folder.contains("?") || folder.contains("{")) {
            return null;
        }
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
        ClassLoader classes = camel.getApplicationContextClassLoader() != null
                ? camel.getApplicationContextClassLoader() : TemplateFiles.class.getClassLoader();
        TreeSet<String> names = new TreeSet<>();
        Enumeration<URL> folders = classes.getResources(folder + "/");
        if (!folders.hasMoreElements()) {
            return null; // e.g. a jar made without entries for its folders
        }
        while (folders.hasMoreElements()) {
            URL url = folders.nextElement();
            if (!addNames(url, folder, matcher, names)) {
                return null;
            }
        }
        return new ArrayList<>(names);
    }

    /** Adds the names in one class path entry's folder; false when the entry is of a kind not read here. */
    private static boolean addNames(URL url, String folder, PathMatcher matcher, TreeSet<String> names)
            throws IOException {
        if (url.getProtocol().equals("file")) {
            Path dir;
            try {
                dir = Path.of(url.toURI());
            } catch (URISyntaxException | IllegalArgumentException e) {
                return false;
            }
            try (Stream<Path> files = Files.list(dir)) {
                files.filter(Files::isRegularFile).map(Path::getFileName).filter(matcher::matches)
                        .forEach(file -> names.add(folder + "/" + file));
            }
            return true;
        }
        if (!url.getProtocol().equals("jar")) {
            return false;
        }
        URLConnection connection = url.openConnection();
        if (!(connection instanceof JarURLConnection jar)) {
            return false;
        }
        jar.setUseCaches(false); // a JarFile of our own, closed here, not the class loader's shared one
        try (JarFile file = jar.getJarFile()) {
            String prefix = folder + "/";
            Enumeration<JarEntry> entries = file.entries();
            while (entries.hasMoreElements()) {
                JarEntry entry = entries.nextElement();
                String name = entry.getName();
                if (!entry.isDirectory() && name.startsWith(prefix) && name.indexOf('/', prefix.length()) < 0
                        && matcher.matches(Path.of(name.substring(prefix.length())))) {
                    names.add(name);
                }
            }
        }
        return true;
    }
}
