package dev.jrnn.tensor.internal;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static dev.jrnn.tensor.internal.FastMath.E0;
import static dev.jrnn.tensor.internal.FastMath.E1;
import static dev.jrnn.tensor.internal.FastMath.E2;
import static dev.jrnn.tensor.internal.FastMath.E3;
import static dev.jrnn.tensor.internal.FastMath.E4;
import static dev.jrnn.tensor.internal.FastMath.E5;
import static dev.jrnn.tensor.internal.FastMath.EXP_MAX_ARG;
import static dev.jrnn.tensor.internal.FastMath.EXP_MIN_ARG;
import static dev.jrnn.tensor.internal.FastMath.LN2_HI;
import static dev.jrnn.tensor.internal.FastMath.LN2_LO;
import static dev.jrnn.tensor.internal.FastMath.LOG2E;
import static dev.jrnn.tensor.internal.FastMath.ROUND_MAGIC;
import static dev.jrnn.tensor.internal.FastMath.T0;
import static dev.jrnn.tensor.internal.FastMath.T1;
import static dev.jrnn.tensor.internal.FastMath.T2;
import static dev.jrnn.tensor.internal.FastMath.T3;
import static dev.jrnn.tensor.internal.FastMath.T4;
import static dev.jrnn.tensor.internal.FastMath.T5;
import static dev.jrnn.tensor.internal.FastMath.TANH_POLY_LIMIT;

/**
 * {@link FastMath}'s algorithms on {@link FloatVector}, lane-wise, with the same constants and the
 * same sequence of roundings, so results are bitwise identical to the scalar ones. The loop tails
 * call {@link FastMath} directly.
 *
 * <p>No {@code FloatVector} crosses a method boundary: each {@code *Vectors} loop holds its whole
 * computation, and {@code exp}'s steps are written out in the three loops that need them instead of a
 * {@code exp(FloatVector)} helper. A helper taking or returning a vector is compiled on its own once
 * C1 code has called it often enough; C2 then refuses to inline that compiled code into the loops
 * ({@code InlineSmallCode}: "already compiled into a big method"), and every call boxes its vectors and
 * runs the Vector API's Java fallbacks, for the life of the JVM (design notes, "Gathers and the JIT").
 *
 * <p>References {@code jdk.incubator.vector}: load only after {@link Simd#vectorEnabled()} returned
 * true (callers go through {@link Activations}). Thread-safe: stateless.
 */
final class VectorMath {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int SIGN = 0x80000000;
    private static final FloatVector V_ONE = FloatVector.broadcast(F, 1f);
    private static final int MAGIC_BITS = Float.floatToRawIntBits(ROUND_MAGIC);
    private static final FloatVector V_LOG2E = FloatVector.broadcast(F, LOG2E);
    private static final FloatVector V_MAGIC = FloatVector.broadcast(F, ROUND_MAGIC);
    private static final FloatVector V_NEG_LN2_HI = FloatVector.broadcast(F, -LN2_HI);
    private static final FloatVector V_NEG_LN2_LO = FloatVector.broadcast(F, -LN2_LO);
    private static final FloatVector V_E5 = FloatVector.broadcast(F, E5);
    private static final FloatVector V_E4 = FloatVector.broadcast(F, E4);
    private static final FloatVector V_E3 = FloatVector.broadcast(F, E3);
    private static final FloatVector V_E2 = FloatVector.broadcast(F, E2);
    private static final FloatVector V_E1 = FloatVector.broadcast(F, E1);
    private static final FloatVector V_E0 = FloatVector.broadcast(F, E0);
    private static final FloatVector V_T5 = FloatVector.broadcast(F, T5);
    private static final FloatVector V_T4 = FloatVector.broadcast(F, T4);
    private static final FloatVector V_T3 = FloatVector.broadcast(F, T3);
    private static final FloatVector V_T2 = FloatVector.broadcast(F, T2);
    private static final FloatVector V_T1 = FloatVector.broadcast(F, T1);
    private static final FloatVector V_T0 = FloatVector.broadcast(F, T0);

    private VectorMath() {
    }

    static void exp(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        int bound = F.loopBound(n);
        if (bound > 0) {
            expVectors(src, srcOff, dst, dstOff, bound);
        }
        FastMath.exp(src, srcOff + bound, dst, dstOff + bound, n - bound);
    }

    /** The whole vectors of {@link #exp(float[], int, float[], int, int)}: {@code bound} a positive multiple of 16. */
    private static void expVectors(float[] src, int srcOff, float[] dst, int dstOff, int bound) {
        for (int i = 0; i < bound; i += F.length()) {
            FloatVector x = FloatVector.fromArray(F, src, srcOff + i);
            // exp(x); the same steps are written out in tanhVectors and sigmoidVectors (see the class comment)
            // FastMath's min(max(x, MIN), MAX) as compare-and-blend: the same value for every x, NaN
            // included (it compares false and passes through), in two instructions per bound where
            // FloatVector.max and min take five each for Java's NaN and signed-zero rules
            FloatVector xl = x.blend(EXP_MIN_ARG, x.compare(VectorOperators.LT, EXP_MIN_ARG));
            FloatVector xc = xl.blend(EXP_MAX_ARG, xl.compare(VectorOperators.GT, EXP_MAX_ARG));
            FloatVector t = xc.fma(V_LOG2E, V_MAGIC);   // k sits in the low mantissa bits of t
            FloatVector kf = t.sub(ROUND_MAGIC);
            FloatVector r = kf.fma(V_NEG_LN2_HI, xc);
            r = kf.fma(V_NEG_LN2_LO, r);
            FloatVector p = r.fma(V_E5, V_E4); // r * E5 + E4: same single rounding as Math.fma(E5, r, E4)
            p = p.fma(r, V_E3);
            p = p.fma(r, V_E2);
            p = p.fma(r, V_E1);
            p = p.fma(r, V_E0);
            FloatVector y = p.fma(r.mul(r), r).add(1f);
            IntVector k = t.reinterpretAsInts().sub(MAGIC_BITS);
            IntVector k1 = k.lanewise(VectorOperators.ASHR, 1);
            IntVector k2 = k.sub(k1);
            FloatVector s1 = k1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector s2 = k2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector e = y.mul(s1).mul(s2);
            e.intoArray(dst, dstOff + i);
        }
    }

    static void tanh(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        int bound = F.loopBound(n);
        if (bound > 0) {
            tanhVectors(src, srcOff, dst, dstOff, bound);
        }
        FastMath.tanh(src, srcOff + bound, dst, dstOff + bound, n - bound);
    }

    /** The whole vectors of {@link #tanh(float[], int, float[], int, int)}: {@code bound} a positive multiple of 16. */
    private static void tanhVectors(float[] src, int srcOff, float[] dst, int dstOff, int bound) {
        for (int i = 0; i < bound; i += F.length()) {
            FloatVector x = FloatVector.fromArray(F, src, srcOff + i);
            FloatVector ax = x.abs();
            FloatVector z = x.mul(x);
            FloatVector q = z.fma(V_T5, V_T4);
            q = q.fma(z, V_T3);
            q = q.fma(z, V_T2);
            q = q.fma(z, V_T1);
            q = q.fma(z, V_T0);
            FloatVector small = x.mul(z).fma(q, x);
            FloatVector u = ax.add(ax);
            // e = exp(u), as in expVectors; u >= 0 or NaN, so only the upper bound can clamp
            FloatVector xc = u.blend(EXP_MAX_ARG, u.compare(VectorOperators.GT, EXP_MAX_ARG));
            FloatVector t = xc.fma(V_LOG2E, V_MAGIC);   // k sits in the low mantissa bits of t
            FloatVector kf = t.sub(ROUND_MAGIC);
            FloatVector r = kf.fma(V_NEG_LN2_HI, xc);
            r = kf.fma(V_NEG_LN2_LO, r);
            FloatVector p = r.fma(V_E5, V_E4); // r * E5 + E4: same single rounding as Math.fma(E5, r, E4)
            p = p.fma(r, V_E3);
            p = p.fma(r, V_E2);
            p = p.fma(r, V_E1);
            p = p.fma(r, V_E0);
            FloatVector y = p.fma(r.mul(r), r).add(1f);
            IntVector k = t.reinterpretAsInts().sub(MAGIC_BITS);
            IntVector k1 = k.lanewise(VectorOperators.ASHR, 1);
            IntVector k2 = k.sub(k1);
            FloatVector s1 = k1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector s2 = k2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector e = y.mul(s1).mul(s2);
            FloatVector big = FloatVector.broadcast(F, 2f).div(e.add(1f)).neg().add(1f); // 1 - 2 / (e + 1)
            VectorMask<Float> usePoly = ax.lt(TANH_POLY_LIMIT);
            // copySign(result, x) on both branches, as the scalar code does
            IntVector sign = x.reinterpretAsInts().and(SIGN);
            big.blend(small, usePoly).reinterpretAsInts().and(~SIGN).or(sign).reinterpretAsFloats()
                    .intoArray(dst, dstOff + i);
        }
    }

    static void sigmoid(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        int bound = F.loopBound(n);
        if (bound > 0) {
            sigmoidVectors(src, srcOff, dst, dstOff, bound);
        }
        FastMath.sigmoid(src, srcOff + bound, dst, dstOff + bound, n - bound);
    }

    /** The whole vectors of {@link #sigmoid(float[], int, float[], int, int)}: {@code bound} a positive multiple of 16. */
    private static void sigmoidVectors(float[] src, int srcOff, float[] dst, int dstOff, int bound) {
        for (int i = 0; i < bound; i += F.length()) {
            FloatVector x = FloatVector.fromArray(F, src, srcOff + i);
            FloatVector u = x.abs().neg();
            // e = exp(u), as in expVectors; u <= 0 or NaN, so only the lower bound can clamp
            FloatVector xc = u.blend(EXP_MIN_ARG, u.compare(VectorOperators.LT, EXP_MIN_ARG));
            FloatVector t = xc.fma(V_LOG2E, V_MAGIC);   // k sits in the low mantissa bits of t
            FloatVector kf = t.sub(ROUND_MAGIC);
            FloatVector r = kf.fma(V_NEG_LN2_HI, xc);
            r = kf.fma(V_NEG_LN2_LO, r);
            FloatVector p = r.fma(V_E5, V_E4); // r * E5 + E4: same single rounding as Math.fma(E5, r, E4)
            p = p.fma(r, V_E3);
            p = p.fma(r, V_E2);
            p = p.fma(r, V_E1);
            p = p.fma(r, V_E0);
            FloatVector y = p.fma(r.mul(r), r).add(1f);
            IntVector k = t.reinterpretAsInts().sub(MAGIC_BITS);
            IntVector k1 = k.lanewise(VectorOperators.ASHR, 1);
            IntVector k2 = k.sub(k1);
            FloatVector s1 = k1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector s2 = k2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector e = y.mul(s1).mul(s2);
            FloatVector d = e.add(1f);
            FloatVector dl = V_ONE.sub(d).add(e);
            FloatVector q = V_ONE.blend(e, x.lt(0f)).div(d);
            q.neg().fma(dl.div(d), q).intoArray(dst, dstOff + i);
        }
    }

    static void relu(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        int bound = F.loopBound(n);
        if (bound > 0) {
            reluVectors(src, srcOff, dst, dstOff, bound);
        }
        FastMath.relu(src, srcOff + bound, dst, dstOff + bound, n - bound);
    }

    /** The whole vectors of {@link #relu(float[], int, float[], int, int)}: {@code bound} a positive multiple of 16. */
    private static void reluVectors(float[] src, int srcOff, float[] dst, int dstOff, int bound) {
        for (int i = 0; i < bound; i += F.length()) {
            FloatVector x = FloatVector.fromArray(F, src, srcOff + i);
            x.blend(0f, x.compare(VectorOperators.LE, 0f)).intoArray(dst, dstOff + i);
        }
    }

    /**
     * {@link Activations#addRows}: whole vectors of each row, then the row's tail in scalar code; rows
     * shorter than a vector go to {@link FastMath#addRows} in one call.
     */
    static void addRows(float[] a, int aOff, float[] row, int rowOff, int rows, int g) {
        int bound = F.loopBound(g);
        if (bound == 0) {
            FastMath.addRows(a, aOff, row, rowOff, rows, g);
            return;
        }
        for (int r = 0; r < rows; r++) {
            int o = aOff + r * g;
            for (int j = 0; j < bound; j += F.length()) {
                FloatVector.fromArray(F, a, o + j).add(FloatVector.fromArray(F, row, rowOff + j)).intoArray(a, o + j);
            }
            for (int j = bound; j < g; j++) {
                a[o + j] += row[rowOff + j];
            }
        }
    }

    /**
     * {@link Activations#tanhBackward}: whole vectors, then the tail in scalar code; the same mul, sub,
     * mul per element as {@link FastMath#tanhBackward}.
     */
    static void tanhBackward(float[] dh, int dhOff, float[] dOut, int dOutOff, float[] h, int hOff,
                             float[] dA, int dAOff, int n) {
        int bound = F.loopBound(n);
        if (bound > 0) {
            tanhBackwardVectors(dh, dhOff, dOut, dOutOff, h, hOff, dA, dAOff, bound);
        }
        FastMath.tanhBackward(dh, dhOff + bound, dOut, dOutOff + bound, h, hOff + bound, dA, dAOff + bound,
                n - bound);
    }

    /** The whole vectors of {@link #tanhBackward}: {@code bound} a positive multiple of 16; mul, sub, mul (no FMA). */
    private static void tanhBackwardVectors(float[] dh, int dhOff, float[] dOut, int dOutOff, float[] h, int hOff,
                                            float[] dA, int dAOff, int bound) {
        for (int i = 0; i < bound; i += F.length()) {
            FloatVector y = FloatVector.fromArray(F, h, hOff + i);
            FloatVector g = FloatVector.fromArray(F, dh, dhOff + i).add(FloatVector.fromArray(F, dOut, dOutOff + i));
            FloatVector d = FloatVector.broadcast(F, 1f).sub(y.mul(y));
            g.mul(d).intoArray(dA, dAOff + i);
        }
    }

    /**
     * {@link Activations#reluBackward}: a select on {@code h <= 0} (false for NaN), branch-free; the
     * scalar loop it replaces ran at about 7 ns per element on Zen 4 (a relu's signs are a coin toss
     * for the branch predictor).
     */
    static void reluBackward(float[] dh, int dhOff, float[] dOut, int dOutOff, float[] h, int hOff,
                             float[] dA, int dAOff, int n) {
        int bound = F.loopBound(n);
        if (bound > 0) {
            reluBackwardVectors(dh, dhOff, dOut, dOutOff, h, hOff, dA, dAOff, bound);
        }
        FastMath.reluBackward(dh, dhOff + bound, dOut, dOutOff + bound, h, hOff + bound, dA, dAOff + bound,
                n - bound);
    }

    /** The whole vectors of {@link #reluBackward}: {@code bound} a positive multiple of 16. */
    private static void reluBackwardVectors(float[] dh, int dhOff, float[] dOut, int dOutOff, float[] h, int hOff,
                                            float[] dA, int dAOff, int bound) {
        for (int i = 0; i < bound; i += F.length()) {
            FloatVector y = FloatVector.fromArray(F, h, hOff + i);
            FloatVector g = FloatVector.fromArray(F, dh, dhOff + i).add(FloatVector.fromArray(F, dOut, dOutOff + i));
            g.blend(0f, y.compare(VectorOperators.LE, 0f)).intoArray(dA, dAOff + i);
        }
    }
}
