package dev.jrnn.io;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jrnn.interop.ModelFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzz target (Jazzer) for {@link ModelFiles#load(Path)}: every input must load or
 * throw an {@link IOException} (documented); any other throwable (a runtime exception, an
 * {@link OutOfMemoryError}) or an input running longer than the {@link Timeout} is a finding.
 * Jazzer turns the JUnit {@code @Timeout} into libFuzzer's per-input {@code -timeout}; JUnit also applies
 * it to the whole fuzzing invocation, so it must stay above {@code maxDuration}.
 *
 * <p>In the normal test passes this runs in regression mode over the seed corpus in
 * {@code src/test/resources/dev/jrnn/io/ModelFilesJazzerTestInputs/load/} (valid files plus any
 * committed findings); with {@code JAZZER_FUZZ=1} (the {@code jazzer-fuzz} Surefire execution) it
 * fuzzes for {@code maxDuration}. See docs/reliability.md, "Fuzzing the file readers".
 */
class ModelFilesJazzerTest {

    /** ModelFiles reads a file, so each input is written to one reused temporary file. */
    private static final Path FILE = FuzzFiles.scratch("fuzz.safetensors");

    @FuzzTest(maxDuration = "10s")
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void load(byte[] input) throws IOException {
        Files.write(FILE, input);
        try {
            ModelFiles.load(FILE);
        } catch (IOException documented) {
            // the documented failure mode of load(Path)
        }
    }
}
