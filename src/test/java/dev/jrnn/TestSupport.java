package dev.jrnn;

import java.util.SplittableRandom;

/**
 * Shared test constants and seeded randomness. Tolerances are those of the spec, section 9.
 */
public final class TestSupport {

    /** float32 forward comparisons against torch float32 or a double reference. */
    public static final double FORWARD_ATOL = 1e-5;
    public static final double FORWARD_RTOL = 1e-5;
    /** float32 gradients, relative to the max magnitude of each tensor. */
    public static final double GRAD_RTOL_OF_MAX = 1e-4;

    private TestSupport() {
    }

    /** {@return a deterministic generator; each test passes its own seed so failures replay} */
    public static SplittableRandom rng(long seed) {
        return new SplittableRandom(seed);
    }

    /** {@return n floats uniform in [-1, 1)} */
    public static float[] uniform(SplittableRandom rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return a;
    }
}
