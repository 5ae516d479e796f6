package dev.jrnn.tensor.internal;

/**
 * The right-hand operand {@code op(B)} of a GEMM, shape {@code (K, N)}, stored once in the panel
 * layout the micro-kernels read, so that repeated products with the same B (an RNN weight at
 * every time step) skip packing.
 *
 * <p>Two layouts, one per micro-kernel, chosen when packing: the Vector API kernel's when it is
 * enabled ({@link GemmEngine#vectorKernel()}), else the scalar kernel's.
 * <ul>
 *   <li>Panels (the vector kernel): K is cut into blocks of {@link GemmEngine#KC} rows; block
 *       {@code p} (rows {@code [p, p + kc)}) starts at {@code p * panels * NR} and holds {@code panels}
 *       micro-panels of {@code (kc, NR)} floats, row-major; columns past N in the last panel are zero.</li>
 *   <li>Rows (the scalar kernel): columns are cut into strips of {@link ScalarGemmKernel#CHUNK}; in
 *       each strip, row {@code k} of {@code op(B)} is its own array, indexed from 0 and zero-padded to a
 *       multiple of NR: the form {@link ScalarGemmKernel} reads in place. With panels it copies each
 *       block into such rows at every call, which for a one-row product costs more than the product.</li>
 * </ul>
 * Both hold the same values, and a product gives the same bits with either.
 *
 * <p>Its values are mutable only through {@link #repack}; not thread-safe against a concurrent
 * {@code repack}, safe for concurrent reads (GEMMs). It also holds the panel order of the next one-row
 * product ({@link #nextRowPassReversed}), a hint that does not affect any result.
 */
public final class PackedB {

    private static final int CHUNK = ScalarGemmKernel.CHUNK;

    private final int k;
    private final int n;
    private final int panels;     // ceil(n / NR)
    private final float[] data;   // panel layout: (K, panels * NR) in KC-row blocks of (panels, kc, NR); else null
    private final float[][][] strips; // row layout: (ceil(N / CHUNK), K, <= CHUNK); else null
    private boolean reverseNext;      // the panel order of the next one-row product (nextRowPassReversed)

    private PackedB(int k, int n, boolean rowLayout) {
        this.k = k;
        this.n = n;
        this.panels = (n + GemmEngine.NR - 1) / GemmEngine.NR;
        int width = panels * GemmEngine.NR;
        Math.multiplyExact(k, width);   // the panel layout's size bound, kept for both layouts
        this.data = rowLayout ? null : new float[k * width];
        this.strips = rowLayout ? new float[(n + CHUNK - 1) / CHUNK][][] : null;
        if (rowLayout) {
            for (int s = 0; s < strips.length; s++) {
                strips[s] = new float[k][Math.min(CHUNK, width - s * CHUNK)];
            }
        }
    }

    /**
     * {@return whether the next one-row product on these panels runs them from the last to the first}, and
     * flips it for the one after ({@code VectorSkinnyGemm.singleRow}). Called once per product, by the thread
     * that starts it. Not synchronised: concurrent products on one B may see any sequence of directions,
     * which changes only the order of the panels, never a bit of the result.
     */
    boolean nextRowPassReversed() {
        boolean r = reverseNext;
        reverseNext = !r;
        return r;
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
        return pack(!GemmEngine.vectorKernel(), transB, k, n, b, bOff, ldb);
    }

    /** {@link #pack(boolean, int, int, float[], int, int)} in the layout given (tests use both). */
    static PackedB pack(boolean rowLayout, boolean transB, int k, int n, float[] b, int bOff, int ldb) {
        GemmEngine.checkMatrix("b", transB, k, n, b, bOff, ldb);
        PackedB p = new PackedB(k, n, rowLayout);
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
        if (strips != null) {
            fillRows(transB, b, bOff, ldb);
            return;
        }
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

    /**
     * The row layout's fill. Transposed, 16 stored rows are read in step, so that each destination row
     * receives 16 consecutive floats (one cache line) per pass.
     */
    private void fillRows(boolean transB, float[] b, int bOff, int ldb) {
        for (int s = 0; s < strips.length; s++) {
            float[][] rows = strips[s];
            int c0 = s * CHUNK;
            int w = Math.min(CHUNK, n - c0);
            if (!transB) {
                for (int kk = 0; kk < k; kk++) {
                    System.arraycopy(b, bOff + kk * ldb + c0, rows[kk], 0, w);
                }
                continue;
            }
            final int step = 16;
            int j = 0;
            for (; j + step <= w; j += step) {
                int src = bOff + (c0 + j) * ldb;
                for (int kk = 0; kk < k; kk++) {
                    float[] row = rows[kk];
                    int r = src + kk;
                    for (int jj = 0; jj < step; jj++, r += ldb) {
                        row[j + jj] = b[r];
                    }
                }
            }
            for (; j < w; j++) {
                int src = bOff + (c0 + j) * ldb;
                for (int kk = 0; kk < k; kk++) {
                    rows[kk][j] = b[src + kk];
                }
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

    /** {@return the panel layout's array; null in the row layout} */
    float[] data() {
        return data;
    }

    /** {@return the row layout's strips, {@code (ceil(N / CHUNK), K, <= CHUNK)}; null in the panel layout} */
    float[][][] strips() {
        return strips;
    }

    /** {@return where the K block starting at row {@code pc} (a multiple of KC) begins} */
    int blockOffset(int pc) {
        return pc * panels * GemmEngine.NR;
    }

    /** {@return a copy of op(B) as row-major (K, N), for tests and debugging} */
    public float[] unpack() {
        float[] out = new float[k * n];
        if (strips != null) {
            for (int s = 0; s < strips.length; s++) {
                int w = Math.min(CHUNK, n - s * CHUNK);
                for (int kk = 0; kk < k; kk++) {
                    System.arraycopy(strips[s][kk], 0, out, kk * n + s * CHUNK, w);
                }
            }
            return out;
        }
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
