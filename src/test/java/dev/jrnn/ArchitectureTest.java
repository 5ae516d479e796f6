package dev.jrnn;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The package dependency rule of {@code docs/architecture.md}, checked on the sources, and the module
 * descriptor: only API packages are exported, and the Vector API is an optional dependency.
 */
class ArchitectureTest {

    private static final Path MAIN = Path.of("src", "main", "java");

    /** Package (without {@code dev.jrnn.}) → the jrnn packages it may import. */
    private static final Map<String, Set<String>> ALLOWED = Map.of(
            "tensor", Set.of("tensor"),
            "nn", Set.of("nn", "tensor"),
            "optim", Set.of("optim", "nn", "tensor"),
            "loss", Set.of("loss", "nn", "tensor"),
            "io", Set.of("io", "tensor"),
            "interop", Set.of("interop", "nn", "io", "tensor"),
            "train", Set.of("train", "nn", "optim", "loss", "io", "tensor"));

    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?dev\\.jrnn\\.([a-z]+)[.;]",
            Pattern.MULTILINE);

    @Test
    void packagesImportOnlyWhatTheDependencyRuleAllows() throws IOException {
        List<String> violations = new ArrayList<>();
        Set<String> seen = new TreeSet<>();
        try (Stream<Path> files = Files.walk(MAIN.resolve("dev/jrnn"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).collect(Collectors.toList())) {
                String pkg = MAIN.resolve("dev/jrnn").relativize(f).getName(0).toString();
                seen.add(pkg);
                Set<String> allowed = ALLOWED.get(pkg);
                assertThat(allowed).as("package dev.jrnn.%s is in the rule of docs/architecture.md", pkg).isNotNull();
                Matcher m = IMPORT.matcher(Files.readString(f));
                while (m.find()) {
                    if (!allowed.contains(m.group(1))) {
                        violations.add(MAIN.relativize(f) + " imports dev.jrnn." + m.group(1));
                    }
                }
            }
        }
        assertThat(seen).containsAll(ALLOWED.keySet());
        assertThat(violations).isEmpty();
    }

    @Test
    void vectorApiIsReferencedOnlyFromVectorClassesInTensorInternal() throws IOException {
        List<String> offenders = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN.resolve("dev/jrnn"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).collect(Collectors.toList())) {
                boolean touches = Pattern.compile("^import (static )?jdk\\.incubator\\.vector", Pattern.MULTILINE)
                        .matcher(Files.readString(f)).find();
                boolean allowed = f.getParent().endsWith(Path.of("tensor", "internal"))
                        && (f.getFileName().toString().startsWith("Vector") || f.getFileName().toString()
                        .equals("package-info.java") || f.getFileName().toString().equals("Simd.java"));
                if (touches && !allowed) {
                    offenders.add(MAIN.relativize(f).toString());
                }
            }
        }
        assertThat(offenders).isEmpty();
    }

    @Test
    void moduleExportsApiPackagesOnlyAndNeedsTheVectorApiOnlyStatically() throws IOException {
        ModuleDescriptor d;
        try (InputStream in = Files.newInputStream(Path.of("target", "classes", "module-info.class"))) {
            d = ModuleDescriptor.read(in);
        }
        assertThat(d.name()).isEqualTo("dev.jrnn");
        Set<String> exported = d.exports().stream().map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(exported).containsExactlyInAnyOrder("dev.jrnn.tensor", "dev.jrnn.nn", "dev.jrnn.optim",
                "dev.jrnn.loss", "dev.jrnn.io", "dev.jrnn.interop", "dev.jrnn.train");
        assertThat(exported).noneMatch(p -> p.contains("internal"));
        assertThat(d.requires()).filteredOn(r -> r.name().equals("jdk.incubator.vector"))
                .singleElement()
                .satisfies(r -> assertThat(r.modifiers()).contains(ModuleDescriptor.Requires.Modifier.STATIC));
        assertThat(d.requires()).extracting(ModuleDescriptor.Requires::name)
                .containsOnly("java.base", "jdk.incubator.vector");
    }
}
