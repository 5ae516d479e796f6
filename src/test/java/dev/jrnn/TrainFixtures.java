package dev.jrnn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jrnn.io.Safetensors;
import dev.jrnn.io.SafetensorsFile;
import dev.jrnn.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;

/** The training-kit fixtures of {@code tools/gen_train_fixtures.py} and comparisons against them. */
public final class TrainFixtures {

    private TrainFixtures() {
    }

    /** {@return {@code src/test/resources/fixtures/train/<name>}} */
    public static SafetensorsFile load(String name) {
        String resource = "/fixtures/train/" + name;
        try (InputStream in = TrainFixtures.class.getResourceAsStream(resource)) {
            assertThat(in).as(resource).isNotNull();
            return Safetensors.read(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@return the file's cases (metadata key {@code cases})} */
    public static List<String> cases(SafetensorsFile f) {
        return Arrays.asList(f.metadata().get("cases").split(","));
    }

    /** {@return a comma-separated metadata list of Python floats} */
    public static double[] doubles(SafetensorsFile f, String key) {
        return Arrays.stream(f.metadata().get(key).split(",")).mapToDouble(Double::parseDouble).toArray();
    }

    /** {@return max |a − b| / max(max |b|, floor); NaN positions must match} */
    public static double relErr(Tensor actual, Tensor expected, double floor) {
        assertThat(actual.shape()).isEqualTo(expected.shape());
        float[] a = actual.toArray();
        float[] b = expected.toArray();
        double scale = floor;
        double diff = 0;
        for (int i = 0; i < a.length; i++) {
            assertThat(Float.isNaN(a[i])).as("NaN at %d", i).isEqualTo(Float.isNaN(b[i]));
            if (!Float.isNaN(b[i])) {
                scale = Math.max(scale, Math.abs(b[i]));
                diff = Math.max(diff, Math.abs((double) a[i] - b[i]));
            }
        }
        return diff / scale;
    }
}
