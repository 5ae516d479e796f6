package dev.jrnn.tensor.internal;

import java.lang.System.Logger.Level;
import java.util.Locale;

/**
 * Chooses, once per JVM, between the scalar {@link Math#fma} kernels and the Vector API kernels.
 *
 * <p>The choice is made from the system property {@value #PROPERTY}:
 * <ul>
 *   <li>{@code auto} (default): vector when {@code jdk.incubator.vector} is in the boot layer and
 *       the preferred float species has at least {@value #MIN_LANES} lanes, else scalar;</li>
 *   <li>{@code scalar}: always scalar, even when the module is present;</li>
 *   <li>{@code vector}: vector, and fail loudly if the module is absent.</li>
 * </ul>
 * The result is a {@code static final} constant so that the JIT folds every branch on it.
 *
 * <p>This class itself never touches {@code jdk.incubator.vector}; {@link VectorProbe} does, and it is
 * loaded only after the module was found. Callers must follow the same rule: reference a
 * {@code Vector*} class only inside a branch guarded by {@link #vectorEnabled()}.
 *
 * <p>Thread-safe: immutable after class initialisation.
 */
public final class Simd {

    /** System property that forces the path: {@code auto}, {@code scalar} or {@code vector}. */
    public static final String PROPERTY = "jrnn.simd";

    /** The JVM flag that makes the Vector API visible. */
    public static final String MODULE_FLAG = "--add-modules jdk.incubator.vector";

    /** Below this many float lanes the Vector API is not worth using in {@code auto} mode. */
    public static final int MIN_LANES = 8;

    private static final String MODULE = "jdk.incubator.vector";

    private static final boolean VECTOR = choose();

    static {
        if (VECTOR) {
            // before any Vector API code can be compiled; see VectorWarmup for the JIT state this avoids
            VectorWarmup.run();
        }
    }

    private Simd() {
    }

    /** {@return true when the Vector API kernels are active for this JVM} */
    public static boolean vectorEnabled() {
        return VECTOR;
    }

    /** {@return true when {@code jdk.incubator.vector} is resolvable in this JVM, whether used or not} */
    public static boolean moduleAvailable() {
        return ModuleLayer.boot().findModule(MODULE).isPresent();
    }

    /** {@return a one-line description of the active path, for logs and benchmark reports} */
    public static String describe() {
        return VECTOR
                ? "vector (jdk.incubator.vector, " + VectorProbe.preferredFloatLanes() + " float lanes)"
                : "scalar (Math.fma)" + (moduleAvailable() ? "" : "; add " + MODULE_FLAG + " for SIMD");
    }

    private static boolean choose() {
        String requested = System.getProperty(PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
        boolean present = moduleAvailable();
        System.Logger log = System.getLogger("dev.jrnn");
        switch (requested) {
            case "scalar":
                log.log(Level.DEBUG, "jrnn: SIMD path forced to scalar by -D" + PROPERTY + "=scalar");
                return false;
            case "vector":
                if (!present) {
                    throw new IllegalStateException("-D" + PROPERTY + "=vector requires the Vector API: start"
                            + " the JVM with " + MODULE_FLAG + " (or use -D" + PROPERTY + "=auto)");
                }
                log.log(Level.DEBUG, "jrnn: SIMD path forced to vector by -D" + PROPERTY + "=vector");
                return true;
            case "auto":
                if (!present) {
                    log.log(Level.INFO, "jrnn: using the scalar kernels; add " + MODULE_FLAG
                            + " to the JVM flags to enable the faster Vector API kernels");
                    return false;
                }
                int lanes = VectorProbe.preferredFloatLanes();
                if (lanes < MIN_LANES) {
                    log.log(Level.INFO, "jrnn: using the scalar kernels; the Vector API offers only "
                            + lanes + " float lanes on this CPU (need " + MIN_LANES + ")");
                    return false;
                }
                log.log(Level.DEBUG, "jrnn: using the Vector API kernels (" + lanes + " float lanes)");
                return true;
            default:
                throw new IllegalArgumentException("-D" + PROPERTY + " must be auto, scalar or vector, got '"
                        + requested + "'");
        }
    }
}
