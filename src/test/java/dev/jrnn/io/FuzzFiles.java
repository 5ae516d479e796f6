package dev.jrnn.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Scratch files for the Jazzer targets whose reader takes a {@link Path}. */
final class FuzzFiles {

    private FuzzFiles() {
    }

    /** {@return a path in a fresh temporary directory, deleted (with the file) when the JVM exits} */
    static Path scratch(String name) {
        try {
            Path dir = Files.createTempDirectory("jrnn-jazzer-");
            dir.toFile().deleteOnExit();
            Path file = dir.resolve(name);
            file.toFile().deleteOnExit();   // registered after the directory, so it is deleted first
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
