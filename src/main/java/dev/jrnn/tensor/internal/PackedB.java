package dev.jrnn.tensor.internal;

/**
 * The right-hand operand {@code op(B)} of a GEMM, shape {@code (K, N)}, stored once in the panel
 * layout the micro-kernels read, so that repeated products with the same B (an RNN weight at
 * every time step) skip packing.
 *
 * <p>Layout: K is cut into blocks of {@link GemmEngine#KC} rows; block {@code p} (rows
 * {@code [p, p + kc)}) starts at {@code p * panels * NR} and holds {@code panels} micro-panels of
 * {@code (kc, NR)} floats, row-major; columns past N in the last panel are zero.
 *
 * <p>Mutable only through {@link #repack}; not thread-safe against a concurrent {@code repack},
 * safe for concurrent reads (GEMMs).
 */
public final class PackedB {

    private final int k;
    private final int n;
    private final int panels;     // ceil(n / NR)
    private final float[] data;   // (K, panels * NR) in KC-row blocks of (panels, kc, NR)

    private PackedB(int k, int n) {
        this.k = k;
        this.n = n;
        this.panels = (n + GemmEngine.NR - 1) / GemmEngine.NR;
        this.data = new float[Math.multiplyExact(k, panels * GemmEngine.NR)];
    }

    /**
     * Packs {@code op(B)}.
     *
     * @param transB false: B is row-major {@code (K, N)}; true: B is row-major {@code (N, K)} (a
     *               torch weight) and {@code op(B) = Bᵀ}
     * @param k rows of {@code op(B)}
     * @param n columns of {@code op(B)}
     * @param b storage of B, not modified
     * @param bOff index of B's element (0, 0)
     * @param ldb row stride of B as stored, {@code >= max(1, stored columns)}
     * @return a new packed matrix that no longer refers to {@code b}
     */
    public static PackedB pack(boolean transB, int k, int n, float[] b, int bOff, int ldb) {
        GemmEngine.checkMatrix("b", transB, k, n, b, bOff, ldb);
        PackedB p = new PackedB(k, n);
        p.fill(transB, b, bOff, ldb);
        return p;
    }

    /**
     * Re-packs new values of the same shape into this matrix (for weights that change every training
     * step), without allocating.
     *
     * @param b storage of B, not modified; layout as in {@link #pack}
     */
    public void repack(boolean transB, float[] b, int bOff, int ldb) {
        GemmEngine.checkMatrix("b", transB, k, n, b, bOff, ldb);
        fill(transB, b, bOff, ldb);
    }

    private void fill(boolean transB, float[] b, int bOff, int ldb) {
        boolean transpose16 = transB && GemmEngine.vectorKernel();
        for (int pc = 0; pc < k; pc += GemmEngine.KC) {
            int kc = Math.min(GemmEngine.KC, k - pc);
            if (transpose16) {
                VectorPacking.packBTransposed(b, bOff, ldb, pc, kc, 0, n, data, blockOffset(pc));
            } else {
                GemmEngine.packB(transB, b, bOff, ldb, pc, kc, 0, n, data, blockOffset(pc));
            }
        }
    }

    /** {@return K, the rows of {@code op(B)}} */
    public int rows() {
        return k;
    }

    /** {@return N, the columns of {@code op(B)}} */
    public int cols() {
        return n;
    }

    float[] data() {
        return data;
    }

    /** {@return where the K block starting at row {@code pc} (a multiple of KC) begins} */
    int blockOffset(int pc) {
        return pc * panels * GemmEngine.NR;
    }

    /** {@return a copy of op(B) as row-major (K, N), for tests and debugging} */
    public float[] unpack() {
        float[] out = new float[k * n];
        for (int pc = 0; pc < k; pc += GemmEngine.KC) {
            int kc = Math.min(GemmEngine.KC, k - pc);
            for (int j = 0; j < n; j++) {
                int src = blockOffset(pc) + (j / GemmEngine.NR) * kc * GemmEngine.NR + j % GemmEngine.NR;
                for (int kk = 0; kk < kc; kk++) {
                    out[(pc + kk) * n + j] = data[src + kk * GemmEngine.NR];
                }
            }
        }
        return out;
    }
}
