package dev.jrnn.tensor.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link VectorWarmup} must call every array-level routine of the {@code Vector*} classes: a routine it
 * misses meets the Vector API's operation caches for the first time in compiled code, which is the JIT
 * state the warm-up exists to avoid (design notes, "Gathers and the JIT").
 */
class VectorWarmupTest {

    private static final String[] VECTOR_CLASSES = {"VectorMath", "VectorGemmKernel", "VectorSkinnyGemm",
        "VectorPacking", "VectorGates"};

    /**
     * Left out on purpose (see {@link VectorWarmup}): it needs a {@link PackedB}, whose packing initialises
     * {@link GemmEngine}, which reads {@link Simd} while the warm-up runs inside Simd's initialiser.
     */
    private static final List<String> LEFT_OUT = List.of("VectorSkinnyGemm.singleRow(");

    @Test
    void warmupCallsEveryArrayLevelVectorRoutine() throws IOException, ClassNotFoundException {
        if (!Simd.vectorEnabled()) {
            return; // reflecting on the Vector* classes would load jdk.incubator.vector; the vector pass checks this
        }
        String source = Files.readString(Path.of("src/main/java/dev/jrnn/tensor/internal/VectorWarmup.java"));
        List<String> routines = new ArrayList<>();
        for (String name : VECTOR_CLASSES) {
            for (Method m : Class.forName("dev.jrnn.tensor.internal." + name).getDeclaredMethods()) {
                boolean arrays = Arrays.stream(m.getParameterTypes()).anyMatch(float[].class::equals);
                if (Modifier.isStatic(m.getModifiers()) && !Modifier.isPrivate(m.getModifiers()) && arrays
                        && !m.isSynthetic() && !LEFT_OUT.contains(name + "." + m.getName() + "(")) {
                    routines.add(name + "." + m.getName() + "(");
                }
            }
        }
        assertThat(routines).hasSizeGreaterThanOrEqualTo(10);
        assertThat(source).doesNotContain("PackedB.pack(").doesNotContain("GemmEngine.sgemm(");
        assertThat(routines).allSatisfy(call -> assertThat(source).as("VectorWarmup calls " + call).contains(call));
    }
}
