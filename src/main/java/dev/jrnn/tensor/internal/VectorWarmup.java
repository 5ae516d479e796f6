package dev.jrnn.tensor.internal;

/**
 * Runs every Vector API routine of this package once, on a few full vectors, when {@link Simd} selects the
 * vector path, before any of them can be JIT-compiled.
 *
 * <p>Why: the Vector API looks up each operation's implementation in a per-kind cache
 * ({@code VectorOperators.ImplCache.find}) that is filled on the first use of each (operation, lane type).
 * A first use that reaches a C2-compiled {@code find} calls a supplier of a class its profile did not
 * predict: a {@code class_check} deoptimization, recorded in {@code find}'s profile (about four in the
 * test JVMs). C2 adds up those counts over every inlined copy of {@code find}, and an activation such as
 * {@code tanh} inlines about forty (one per vector operation): 4 × 40 passes the per-compile limit of
 * 100 ({@code PerMethodTrapLimit}), C2 then stops speculating on receiver classes in that compile, the
 * final {@code intoArray} loses its exact vector type, and the store intrinsic fails. The loop then
 * boxes a vector per iteration and runs the operations' Java fallbacks: correct, but about 100 KB per
 * training step of garbage and far slower, for the life of the JVM (design notes, "Gathers and the
 * JIT"). Filling the caches here, in the interpreter and while {@code find} is still cold, leaves no
 * first use for compiled code.
 *
 * <p>Only methods of the {@code Vector*} classes (and {@link FastMath}'s empty loop tails) are called,
 * on inputs that take every vector branch: each activation and the bias add on 16 floats, the gate
 * arithmetic with and without its optional arrays, the GEMM micro-kernel and the narrow kernel with the
 * ways of combining into C, and the three packings on full panels. None of them
 * initialises a class that reads {@link Simd}, which is still being initialised: {@link GemmEngine}
 * does, and initialising it from here would let two threads that start on different classes deadlock
 * on each other's class initialisation. That is why {@code VectorSkinnyGemm.singleRow} is left out: it
 * needs a {@link PackedB}, whose packing runs in {@link GemmEngine}, and its vector operations are
 * those of {@code narrow}. Takes a few milliseconds, once per JVM. Results are discarded.
 *
 * <p>References {@code jdk.incubator.vector}: loaded only when {@link Simd#vectorEnabled()} is true.
 */
final class VectorWarmup {

    private VectorWarmup() {
    }

    /** Runs the routines once; called from {@link Simd}'s initialiser on the vector path. */
    static void run() {
        float[] x = ramp(64, -4f, 0.125f);
        float[] y = new float[64];
        VectorMath.exp(x, 0, y, 0, 16);
        VectorMath.tanh(x, 0, y, 0, 16);
        VectorMath.sigmoid(x, 0, y, 0, 16);
        VectorMath.relu(x, 0, y, 0, 16);
        VectorMath.addRows(y, 0, x, 0, 2, 16);
        VectorMath.tanhBackward(x, 0, x, 16, x, 32, y, 0, 16);
        VectorMath.reluBackward(x, 0, x, 16, x, 32, y, 0, 16);
        // the GRU and LSTM step arithmetic, with and without each optional array
        float[] g = ramp(64, 0.01f, 0.015f);
        float[] u = new float[64];
        float[] v = new float[64];
        VectorGates.gruCandidate(u, 0, 16, x, 0, null, 0, null, 0, 16);
        VectorGates.gruCandidate(u, 0, 16, x, 0, x, 16, v, 0, 16);
        VectorGates.gruState(g, 16, 32, null, 0, y, 0, 16);
        VectorGates.gruState(g, 16, 32, x, 0, y, 0, 16);
        VectorGates.gruBackward(u, 0, x, 0, g, 0, x, 16, null, 0, v, y, 0, 16);
        VectorGates.gruBackward(u, 0, x, 0, g, 0, x, 16, x, 32, v, y, 0, 16);
        VectorGates.lstmCell(g, 0, 16, 32, null, 0, y, 0, 16);
        VectorGates.lstmCell(g, 0, 16, 32, x, 0, y, 0, 16);
        VectorGates.mulInto(g, 48, y, 0, 16);
        VectorGates.lstmBackward(x, 0, u, 0, g, 0, null, 0, x, 16, v, 0, 16);
        VectorGates.lstmBackward(x, 0, u, 0, g, 0, x, 32, x, 16, v, 0, 16);
        if (!VectorGemmKernel.supported()) {
            return; // the 512-bit kernels are not used on this CPU
        }
        int nr = GemmEngine.NR;
        int mr = GemmEngine.MR;
        float[] a = ramp(16 * 16, -1f, 0.01f);
        float[] b = ramp(nr * 16, 1f, -0.01f);
        float[] c = new float[mr * nr];
        float[] tmp = new float[2 * mr * nr];
        // the three ways of combining a tile into C: accumulate, overwrite (beta 0), scale (beta != 0)
        VectorGemmKernel.tile(mr, nr, 2, a, 0, b, 0, c, 0, nr, 1f, 0f, false, tmp);
        VectorGemmKernel.tile(mr, nr, 2, a, 0, b, 0, c, 0, nr, 1f, 0f, true, tmp);
        VectorGemmKernel.tile(mr, nr, 2, a, 0, b, 0, c, 0, nr, 1f, 0.5f, true, tmp);
        if (GemmEngine.RC < GemmEngine.KC) {
            // two reduction chains (-Djrnn.gemm.chain): the later chain's sums are added to the first's
            int k2 = GemmEngine.RC + 2;
            VectorGemmKernel.tile(mr, nr, k2, ramp(k2 * mr, -1f, 0.001f), 0, ramp(k2 * nr, 1f, -0.001f), 0, c, 0,
                    nr, 1f, 0f, true, tmp);
        }
        // narrow GEMM, 16 columns: four-row and one-row paths, each with beta 0 and beta != 0
        VectorSkinnyGemm.narrow(5, 16, 2, 1f, a, 0, 16, b, 0f, c, 0, 16, tmp);
        VectorSkinnyGemm.narrow(5, 16, 2, 1f, a, 0, 16, b, 0.5f, c, 0, 16, tmp);
        // packings of full panels: B transposed (16 x 16 transposes), A transposed, A row-major
        float[] packed = new float[16 * nr + GemmEngine.A_SLACK];
        VectorPacking.packBTransposed(b, 0, 16, 0, 16, 0, nr, packed, 0);
        VectorPacking.packATransposed(a, 0, mr, 0, mr, 0, 2, packed);
        VectorPacking.packARowMajor(a, 0, 16, 0, mr, 0, 16, packed);
    }

    private static float[] ramp(int n, float start, float step) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = start + i * step;
        }
        return v;
    }
}
