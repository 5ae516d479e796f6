package dev.jrnn.io;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzz target (Jazzer) for {@link Safetensors#read(byte[])}: every input must load or
 * throw the documented {@link SafetensorsFormatException}; any other throwable (a runtime exception, an
 * {@link OutOfMemoryError}) or an input running longer than the {@link Timeout} is a finding.
 * Jazzer turns the JUnit {@code @Timeout} into libFuzzer's per-input {@code -timeout}; JUnit also applies
 * it to the whole fuzzing invocation, so it must stay above {@code maxDuration}.
 *
 * <p>In the normal test passes this runs in regression mode over the seed corpus in
 * {@code src/test/resources/dev/jrnn/io/SafetensorsJazzerTestInputs/read/} (valid files plus any
 * committed findings); with {@code JAZZER_FUZZ=1} (the {@code jazzer-fuzz} Surefire execution) it
 * fuzzes for {@code maxDuration}. See docs/reliability.md, "Fuzzing the file readers".
 */
class SafetensorsJazzerTest {

    @FuzzTest(maxDuration = "10s")
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void read(byte[] input) {
        try {
            Safetensors.read(input);
        } catch (SafetensorsFormatException documented) {
            // the documented failure mode of read(byte[])
        }
    }
}
