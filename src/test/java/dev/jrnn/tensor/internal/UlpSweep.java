package dev.jrnn.tensor.internal;

import java.util.Locale;

/**
 * One-off measurement program (not a unit test): the maximum ulp error of {@link FastMath} and, when
 * the Vector API is active, of {@code VectorMath} and of {@code FloatVector.lanewise(TANH/EXP)}, over
 * every float in a range, plus a rough speed measurement. Results are recorded in
 * {@code docs/design-notes.md}, "Fast float math".
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes
 * dev.jrnn.tensor.internal.UlpSweep [step]} where {@code step} visits every step-th float (1 =
 * exhaustive).
 */
public final class UlpSweep {

    private UlpSweep() {
    }

    /** {@return the error of {@code y} in units of the last place of the correctly rounded {@code ref}} */
    public static double ulpError(float y, double ref) {
        float r = (float) ref;
        if (Double.isNaN(ref)) {
            return Float.isNaN(y) ? 0 : Double.POSITIVE_INFINITY;
        }
        if (Float.isInfinite(r) || Float.isInfinite(y)) {
            return y == r ? 0 : Double.POSITIVE_INFINITY;
        }
        return Math.abs(y - ref) / Math.ulp(r);
    }

    interface Kernel {
        void apply(float[] src, float[] dst, int n);
    }

    interface Ref {
        double apply(double x);
    }

    public static void main(String[] args) {
        int step = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        boolean vector = Simd.vectorEnabled();
        System.out.println("path: " + Simd.describe() + ", JDK " + Runtime.version() + ", step " + step);
        sweep("tanh", -20f, 20f, step, FastMath::tanh, (s, d, n) -> VectorMath.tanh(s, 0, d, 0, n), Math::tanh, vector);
        sweep("sigmoid", -20f, 20f, step, FastMath::sigmoid, (s, d, n) -> VectorMath.sigmoid(s, 0, d, 0, n),
                x -> 1 / (1 + Math.exp(-x)), vector);
        sweep("sigmoid-wide", -104f, 89f, step * 16, FastMath::sigmoid, (s, d, n) -> VectorMath.sigmoid(s, 0, d, 0, n),
                x -> 1 / (1 + Math.exp(-x)), vector);
        sweep("exp", -88f, 88f, step, FastMath::exp, (s, d, n) -> VectorMath.exp(s, 0, d, 0, n), Math::exp, vector);
        sweep("exp-low", -104f, 0f, step, FastMath::exp, (s, d, n) -> VectorMath.exp(s, 0, d, 0, n), Math::exp, vector);
        if (vector) {
            sweep("lanewise TANH", -20f, 20f, step * 64, null, (s, d, n) -> VectorLanewise.tanh(s, d, n), Math::tanh, true);
            sweep("lanewise EXP", -88f, 88f, step * 64, null, (s, d, n) -> VectorLanewise.exp(s, d, n), Math::exp, true);
        }
        Speed.run(vector);
    }

    interface ScalarF {
        float apply(float x);
    }

    static void sweep(String name, float lo, float hi, int step, ScalarF scalar, Kernel vec, Ref ref, boolean vector) {
        final int chunk = 1 << 20;
        float[] xs = new float[chunk];
        float[] ys = new float[chunk];
        double maxErr = 0;
        float worstX = Float.NaN;
        long count = 0;
        long mismatches = 0;
        // side 0: the non-negative floats in [lo, hi]; side 1: the negative ones, by magnitude
        for (int side = 0; side < 2; side++) {
            float from = side == 0 ? Math.max(0f, lo) : Math.max(0f, -hi);
            float to = side == 0 ? Math.max(0f, hi) : Math.max(0f, -lo);
            if ((side == 0 && hi < 0f) || (side == 1 && lo > 0f)) {
                continue;
            }
            int endBits = Float.floatToRawIntBits(to);
            int bits = Float.floatToRawIntBits(from);
            while (bits <= endBits) {
                int n = 0;
                while (n < chunk && bits <= endBits) {
                    float x = Float.intBitsToFloat(bits);
                    xs[n++] = side == 0 ? x : -x;
                    bits += step;
                    if (bits < 0) {
                        break;
                    }
                }
                if (vector) {
                    vec.apply(xs, ys, n);
                }
                for (int i = 0; i < n; i++) {
                    float x = xs[i];
                    float y;
                    if (scalar != null) {
                        y = scalar.apply(x);
                        if (vector && Float.floatToIntBits(y) != Float.floatToIntBits(ys[i])) {
                            mismatches++;
                        }
                    } else {
                        y = ys[i];
                    }
                    double e = ulpError(y, ref.apply(x));
                    if (e > maxErr) {
                        maxErr = e;
                        worstX = x;
                    }
                }
                count += n;
            }
        }
        System.out.printf(Locale.ROOT, "%-14s [%g, %g] %d floats: max error %.3f ulp at x=%s%s%n", name, lo, hi, count,
                maxErr, Float.toString(worstX),
                vector && scalar != null ? ", scalar/vector bitwise mismatches: " + mismatches : "");
    }
}
