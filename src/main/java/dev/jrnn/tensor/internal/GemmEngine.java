package dev.jrnn.tensor.internal;

import java.util.Arrays;

/**
 * BLAS-like single-precision GEMM on raw row-major arrays: {@code C = alpha * op(A) * op(B) + beta * C}.
 * This is the entry point for code that runs per time step (the RNN layers): it validates in
 * O(1), never allocates in steady state (packing buffers are per thread and reused), and splits
 * large products across the {@link WorkerPool}.
 *
 * <h2>Conventions</h2>
 * All matrices are row-major with a leading dimension (row stride) in elements:
 * <ul>
 *   <li>{@code op(A)} is {@code (M, K)}. {@code transA == false}: A is stored {@code (M, K)},
 *       element (i, k) at {@code a[aOff + i * lda + k]}. {@code transA == true}: A is stored
 *       {@code (K, M)} and {@code op(A) = Aᵀ}, element (i, k) at {@code a[aOff + k * lda + i]}.</li>
 *   <li>{@code op(B)} is {@code (K, N)}. {@code transB == false}: B is stored {@code (K, N)}.
 *       {@code transB == true}: B is stored {@code (N, K)}, e.g. a torch weight {@code (G, K)}, and
 *       {@code op(B) = Bᵀ}: {@code C = X·Wᵀ} is {@code sgemm(false, true, ...)}.</li>
 *   <li>C is {@code (M, N)}, element (i, j) at {@code c[cOff + i * ldc + j]}.</li>
 *   <li>{@code beta == 0}: C is overwritten and never read (NaN in C does not propagate).
 *       {@code K == 0}: {@code C = beta * C}.</li>
 *   <li>C must not overlap A or B (not checked here; the {@code Tensor} facade checks).</li>
 *   <li>An empty operand (a zero dimension) may be passed as {@code null}.</li>
 * </ul>
 *
 * <h2>Bits</h2>
 * Every path (scalar or vector kernel, any thread count, packed or unpacked B) computes each
 * element with the same operations in the same order (see {@link ScalarGemmKernel}), so the results
 * are bitwise identical.
 *
 * <h2>Algorithm</h2>
 * BLIS-style: loops over {@link #NC} columns (more when K is shallow, see {@link #blockColumns}),
 * {@link #KC}-deep K blocks of {@link #RC}-deep chains (both fixed, so the reduction order never depends
 * on threads), {@link #MC} rows;
 * A and B blocks are packed into micro-panels and an {@link #MR} x {@link #NR} register-tiled
 * micro-kernel runs on them. Threads split the output tiles only.
 *
 * <h2>Example: one RNN time step</h2>
 * <pre>{@code
 * // once per weight update: W_hh (H, H) torch layout, packed as op(B) = W_hhᵀ, shape (H, H)
 * PackedB whh = PackedB.pack(true, H, H, wHh, 0, H);     // or whh.repack(true, wHh, 0, H)
 * // every step: gates (N, H) += h_{t-1} (N, H) · W_hhᵀ, accumulating onto the input projection
 * GemmEngine.sgemm(false, N, 1f, h, hOff, H, whh, 1f, gates, gOff, H);
 * }</pre>
 *
 * <p>Memory: each thread that calls (or works for) the engine keeps a workspace of
 * {@code (MC·KC + KC·NC + MR·NR)} floats ≈ 4.4 MiB, allocated on its first call, plus 2 MiB of
 * scratch rows the first time it runs the scalar kernel.
 *
 * <p>Thread-safe: concurrent calls are fine (they must not write overlapping C).
 */
public final class GemmEngine {

    /** Floats past a packed A block that the vector packing may write (a plain constant: no Vector API class loads). */
    static final int A_SLACK = 4;
    /** Micro-tile rows: rows of C held in registers by the micro-kernel. */
    public static final int MR = 12;
    /** Micro-tile columns: two 16-float AVX-512 vectors. The packed-B panel width. */
    public static final int NR = 32;
    /** K block depth; fixed for all paths because it is part of the reduction order. */
    public static final int KC = 1024;
    /** System property that sets {@link #RC}: a power of two from 16 to {@link #KC}. */
    public static final String CHAIN_PROPERTY = "jrnn.gemm.chain";
    /**
     * Reduction chain: each accumulator sums at most this many consecutive k terms; within a K block the
     * chains' sums are then added in order (see {@link ScalarGemmKernel}). {@link #KC} by default: one chain
     * per block. {@code -Djrnn.gemm.chain=256} sums 256-deep chains as OpenBLAS does under torch: products
     * with {@code K <= 512} then give torch's bits on the development machine, and longer ones its error
     * level, for up to 5 % of speed (docs/semantics.md, "Numerics"). Read once per JVM; every path and thread
     * count uses it, so results stay bitwise identical across them.
     */
    public static final int RC = chain(System.getProperty(CHAIN_PROPERTY));
    /** Rows of A packed per block (a multiple of MR): {@code (MC, KC)} floats stay in L2. */
    public static final int MC = 96;
    /** Columns of B packed per block (a multiple of NR): {@code (KC, NC)} floats. */
    public static final int NC = 1024;
    /** Pre-packed products at most this wide with {@code K <= KC} take the vector path's narrow kernel. */
    static final int SMALL_N = 16;
    /** Below this many flops ({@code 2*M*N*K}) a product runs in the calling thread only. */
    public static final long PARALLEL_MIN_FLOPS = 1L << 21;
    /**
     * A pre-packed one-row product (a batch-1 step's GEMV) of at least this many flops, a B of at least
     * 1 MiB, is split over column panels: each core then keeps its half of B in its own L2 from one time
     * step to the next, where one core would stream all of it from the shared cache at every step.
     */
    public static final long GEMV_PARALLEL_MIN_FLOPS = 1L << 19;

    /** Which micro-kernel to run; {@link #DEFAULT} follows {@link Simd#vectorEnabled()}. */
    public enum Kernel {
        /** The Vector API kernel when enabled, else the scalar one. */
        DEFAULT,
        /** The {@link Math#fma} kernel. */
        SCALAR,
        /** The Vector API kernel; only valid when {@link Simd#vectorEnabled()}. */
        VECTOR
    }

    private static final boolean VECTOR = Simd.vectorEnabled() && VectorGemmKernel.supported();

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);
    private static final ThreadLocal<Job> JOB = ThreadLocal.withInitial(Job::new);

    private GemmEngine() {
    }

    /** {@return the chain depth that the value of {@link #CHAIN_PROPERTY} asks for; KC when it is absent} */
    static int chain(String value) {
        if (value == null) {
            return KC;
        }
        int rc;
        try {
            rc = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            rc = -1;
        }
        if (rc < 16 || rc > KC || Integer.bitCount(rc) != 1) {
            throw new IllegalArgumentException("-D" + CHAIN_PROPERTY + " must be a power of two from 16 to " + KC
                    + ", got '" + value + "'");
        }
        return rc;
    }

    /** {@return true when {@link Kernel#DEFAULT} runs the Vector API kernel} */
    public static boolean vectorKernel() {
        return VECTOR;
    }

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C}; see the class comment for layouts.
     *
     * @param transA whether A is stored {@code (K, M)} and transposed
     * @param transB whether B is stored {@code (N, K)} and transposed
     * @param m rows of op(A) and C, {@code >= 0}
     * @param n columns of op(B) and C, {@code >= 0}
     * @param k columns of op(A), rows of op(B), {@code >= 0}
     * @param a A, not modified
     * @param b B, not modified
     * @param c C, modified (accumulated into when {@code beta != 0})
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k,
                             float alpha, float[] a, int aOff, int lda,
                             float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        sgemm(Kernel.DEFAULT, WorkerPool.parallelism(), transA, transB, m, n, k, alpha, a, aOff, lda,
                b, bOff, ldb, null, beta, c, cOff, ldc);
    }

    /**
     * {@code C = alpha * op(A) * B + beta * C} with a pre-packed {@code B} of shape {@code (K, N)};
     * gives the same bits as the unpacked {@link #sgemm(boolean, boolean, int, int, int, float,
     * float[], int, int, float[], int, int, float, float[], int, int) sgemm}.
     *
     * @param transA whether A is stored {@code (K, M)} and transposed
     * @param m rows of op(A) and C
     * @param a A, not modified; op(A) is {@code (M, b.rows())}
     * @param b packed B, not modified
     * @param c C {@code (M, b.cols())}, modified (accumulated into when {@code beta != 0})
     */
    public static void sgemm(boolean transA, int m, float alpha, float[] a, int aOff, int lda,
                             PackedB b, float beta, float[] c, int cOff, int ldc) {
        sgemm(Kernel.DEFAULT, WorkerPool.parallelism(), transA, false, m, b.cols(), b.rows(), alpha,
                a, aOff, lda, null, 0, 1, b, beta, c, cOff, ldc);
    }

    /**
     * The general form behind the public entry points, with the kernel and the thread count
     * explicit (tests compare kernels and thread counts with it). Exactly one of {@code b} and
     * {@code packed} is non-null; with {@code packed}, {@code transB}, {@code bOff} and {@code ldb}
     * are ignored and {@code k, n} must match it.
     */
    public static void sgemm(Kernel kernel, int threads, boolean transA, boolean transB, int m, int n, int k,
                             float alpha, float[] a, int aOff, int lda,
                             float[] b, int bOff, int ldb, PackedB packed,
                             float beta, float[] c, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("sgemm: sizes must be >= 0, got m=" + m + ", n=" + n + ", k=" + k);
        }
        boolean vector = switch (kernel) {
            case DEFAULT -> VECTOR;
            case SCALAR -> false;
            case VECTOR -> {
                if (!VECTOR) {
                    throw new IllegalStateException("the vector kernel is not enabled: " + Simd.describe());
                }
                yield true;
            }
        };
        checkMatrix("a", transA, m, k, a, aOff, lda);
        if (packed != null) {
            if (packed.rows() != k || packed.cols() != n) {
                throw new IllegalArgumentException("sgemm: packed B is (" + packed.rows() + ", " + packed.cols()
                        + ") but (k, n) = (" + k + ", " + n + ")");
            }
            if (vector && packed.strips() != null) {
                if (kernel == Kernel.VECTOR) {
                    throw new IllegalArgumentException("sgemm: packed B is in the scalar kernel's row layout"
                            + " (packed while the vector kernel was off); the vector kernel needs panels");
                }
                vector = false;   // only tests make a row-layout B while the vector kernel is on
            }
        } else {
            checkMatrix("b", transB, k, n, b, bOff, ldb);
        }
        checkMatrix("c", false, m, n, c, cOff, ldc);
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            scale(m, n, beta, c, cOff, ldc);
            return;
        }
        if (vector && packed != null && !transA && n <= SMALL_N && k <= KC) {
            // a handful of columns: straight from the arrays, same bits as the tiles (see VectorSkinnyGemm)
            VectorSkinnyGemm.narrow(m, n, k, alpha, a, aOff, lda, packed.data(), beta, c, cOff, ldc, WORKSPACE.get().tmp);
            return;
        }
        boolean gemv = vector && packed != null && !transA && m == 1;
        if (gemv && (threads <= 1 || 2.0 * n * k < GEMV_PARALLEL_MIN_FLOPS)) {
            // a batch-1 step's GEMV in the calling thread
            VectorSkinnyGemm.singleRow(alpha, a, aOff, packed, beta, c, cOff, WORKSPACE.get().tmp, 0, (n + NR - 1) / NR,
                    packed.nextRowPassReversed());
            return;
        }
        Job job = JOB.get();
        job.set(vector, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, packed, beta, c, cOff, ldc);
        int parts = gemv ? job.partitionPanels(threads, packed.nextRowPassReversed()) : job.partition(threads);
        try {
            WorkerPool.invoke(job, parts);
        } finally {
            job.clear();
        }
    }

    /** {@code C = beta * C} for K == 0; beta == 0 writes zeros. */
    private static void scale(int m, int n, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int r = cOff + i * ldc;
            if (beta == 0f) {
                Arrays.fill(c, r, r + n, 0f);
            } else {
                for (int j = 0; j < n; j++) {
                    c[r + j] *= beta;
                }
            }
        }
    }

    /** Checks that a {@code (rows, cols)} matrix (stored transposed when {@code trans}) fits its array. */
    static void checkMatrix(String name, boolean trans, int rows, int cols, float[] x, int off, int ld) {
        int storedRows = trans ? cols : rows;
        int storedCols = trans ? rows : cols;
        if (x == null) {
            if (storedRows == 0 || storedCols == 0) {
                return; // an empty matrix is never read; BLAS accepts a null pointer for it
            }
            throw new NullPointerException(name);
        }
        if (ld < Math.max(1, storedCols)) {
            throw new IllegalArgumentException("sgemm: ld" + name + " must be >= max(1, " + storedCols + "), got " + ld);
        }
        if (storedRows == 0 || storedCols == 0) {
            return;
        }
        long last = (long) off + (long) (storedRows - 1) * ld + storedCols - 1;
        if (off < 0 || last >= x.length) {
            throw new IndexOutOfBoundsException("sgemm: " + name + " (" + storedRows + ", " + storedCols
                    + ") at offset " + off + " with ld " + ld + " needs index " + last + " but the array has length "
                    + x.length);
        }
    }

    // ------------------------------------------------------------------ blocked driver

    /** Computes rows {@code [m0, m1)} and columns {@code [n0, n1)} of C; {@code n0} is a multiple of NR. */
    private static void block(Job j, int m0, int m1, int n0, int n1) {
        Workspace ws = WORKSPACE.get();
        float[] apack = ws.a;   // (MC / MR, kc, MR) packed A block
        float[] bpack = ws.b;   // (nc / NR, kc, NR) packed B block, at most KC·NC floats
        float[] tmp = ws.tmp;   // (2, MR, NR) accumulator tiles (VectorGemmKernel.tile)
        // a row-layout B is read in place by the scalar kernel (jc is then a multiple of CHUNK: Job.partition)
        float[][][] strips = j.packed != null ? j.packed.strips() : null;
        int ncMax = blockColumns(j.k);
        for (int jc = n0; jc < n1; jc += ncMax) {
            int nc = Math.min(ncMax, n1 - jc);
            for (int pc = 0; pc < j.k; pc += KC) {
                int kc = Math.min(KC, j.k - pc);
                boolean first = pc == 0;
                float[] bp = bpack;   // panels of B: packed here, or the pre-packed ones (unused with strips)
                int bBase = 0;
                if (j.packed == null) {
                    if (j.vector && j.transB) {
                        VectorPacking.packBTransposed(j.b, j.bOff, j.ldb, pc, kc, jc, nc, bpack, 0);
                    } else {
                        packB(j.transB, j.b, j.bOff, j.ldb, pc, kc, jc, nc, bpack, 0);
                    }
                } else if (strips == null) {
                    bp = j.packed.data();
                    bBase = j.packed.blockOffset(pc) + (jc / NR) * kc * NR;
                }
                for (int ic = m0; ic < m1; ic += MC) {
                    int mc = Math.min(MC, m1 - ic);
                    packA(j.vector, j.transA, j.a, j.aOff, j.lda, ic, mc, pc, kc, apack);
                    if (strips != null) {
                        ScalarGemmKernel.blockRows(mc, nc, kc, apack, strips, pc, jc, j.c, j.cOff + ic * j.ldc + jc,
                                j.ldc, j.alpha, j.beta, first, ws.accRows(), j.reverse);
                        continue;
                    }
                    if (!j.vector) {
                        ScalarGemmKernel.block(mc, nc, kc, apack, bp, bBase, j.c, j.cOff + ic * j.ldc + jc, j.ldc,
                                j.alpha, j.beta, first, ws.accRows(), ws.brows());
                        continue;
                    }
                    for (int jr = 0; jr < nc; jr += NR) {
                        int nr = Math.min(NR, nc - jr);
                        int bo = bBase + (jr / NR) * kc * NR;
                        int cCol = j.cOff + jc + jr;
                        for (int ir = 0; ir < mc; ir += MR) {
                            int mr = Math.min(MR, mc - ir);
                            int ao = (ir / MR) * kc * MR;
                            int co = cCol + (ic + ir) * j.ldc;
                            VectorGemmKernel.tile(mr, nr, kc, apack, ao, bp, bo, j.c, co, j.ldc,
                                    j.alpha, j.beta, first, tmp);
                        }
                    }
                }
            }
        }
    }

    /**
     * {@return the columns of one B block for a product of depth {@code k}}: {@code ⌊KC / kc⌋·NC} with
     * {@code kc = min(k, KC)}, so {@link #NC} unless a K block is at most half of {@link #KC} deep; the
     * block never holds more than the {@code KC·NC} floats of the packing buffer. A is packed once per
     * column block, so a shallow, wide product (a weight gradient {@code dAᵀ·X}, {@code K = L·N}) packs
     * A once instead of {@code ceil(N / NC)} times.
     * The column blocking does not change any element's operations, so the bits stay the same.
     */
    static int blockColumns(int k) {
        int kc = Math.max(1, Math.min(KC, k));
        return Math.max(NC, KC / kc * NC / NR * NR);
    }

    /**
     * Packs rows {@code [pc, pc + kc)} and columns {@code [jc, jc + nc)} of op(B) into
     * {@code ceil(nc / NR)} micro-panels of {@code (kc, NR)} at {@code dst[dOff...]}, zero-padding
     * the last panel.
     */
    static void packB(boolean transB, float[] b, int bOff, int ldb, int pc, int kc, int jc, int nc,
                      float[] dst, int dOff) {
        if (!transB) {
            // Row by row: each row of the block is read once, front to back. Panel by panel, every row
            // would be visited once per panel for 128 bytes, a strided walk the prefetchers follow poorly.
            int full = nc - nc % NR;
            int panelStride = kc * NR;
            for (int kk = 0; kk < kc; kk++) {
                int s = bOff + (pc + kk) * ldb + jc;
                int d = dOff + kk * NR;
                for (int jp = 0; jp < full; jp += NR, d += panelStride) {
                    System.arraycopy(b, s + jp, dst, d, NR);
                }
                if (full < nc) {
                    System.arraycopy(b, s + full, dst, d, nc - full);
                    Arrays.fill(dst, d + nc - full, d + NR, 0f);
                }
            }
            return;
        }
        for (int jp = 0; jp < nc; jp += NR) {
            packBPanel(transB, b, bOff, ldb, pc, kc, jc + jp, Math.min(NR, nc - jp), dst, dOff + (jp / NR) * kc * NR);
        }
    }

    /** Packs one {@code (kc, NR)} micro-panel of op(B): columns {@code [j0, j0 + nr)} at {@code dst[d...]}. */
    static void packBPanel(boolean transB, float[] b, int bOff, int ldb, int pc, int kc, int j0, int nr,
                           float[] dst, int d) {
        if (!transB) {
            int s = bOff + pc * ldb + j0;
            for (int kk = 0; kk < kc; kk++, s += ldb, d += NR) {
                System.arraycopy(b, s, dst, d, nr);
                if (nr < NR) {
                    Arrays.fill(dst, d + nr, d + NR, 0f);
                }
            }
        } else {
            int s = bOff + j0 * ldb + pc;
            for (int jj = 0; jj < nr; jj++, s += ldb) {
                int dd = d + jj;
                for (int kk = 0; kk < kc; kk++, dd += NR) {
                    dst[dd] = b[s + kk];
                }
            }
            if (nr < NR) {
                for (int kk = 0; kk < kc; kk++) {
                    Arrays.fill(dst, d + kk * NR + nr, d + kk * NR + NR, 0f);
                }
            }
        }
    }

    /**
     * Packs rows {@code [ic, ic + mc)} and columns {@code [pc, pc + kc)} of op(A) into
     * {@code ceil(mc / MR)} micro-panels of {@code (kc, MR)}; rows past mc in the last panel are left
     * as they are (the kernel for mr rows never reads them). Packing only moves values: both forms give
     * the same array.
     *
     * @param vector whether to use {@link VectorPacking} (only when the Vector API kernel is enabled);
     *               it may write up to {@link #A_SLACK} floats past the packed panels
     */
    static void packA(boolean vector, boolean transA, float[] a, int aOff, int lda, int ic, int mc, int pc,
                      int kc, float[] dst) {
        if (vector) {
            if (transA) {
                VectorPacking.packATransposed(a, aOff, lda, ic, mc, pc, kc, dst);
            } else {
                VectorPacking.packARowMajor(a, aOff, lda, ic, mc, pc, kc, dst);
            }
            return;
        }
        for (int ip = 0; ip < mc; ip += MR) {
            packAPanel(transA, a, aOff, lda, ic + ip, Math.min(MR, mc - ip), pc, kc, dst, (ip / MR) * kc * MR);
        }
    }

    /** Packs one {@code (kc, MR)} micro-panel of op(A): rows {@code [i0, i0 + mr)} at {@code dst[d...]}. */
    static void packAPanel(boolean transA, float[] a, int aOff, int lda, int i0, int mr, int pc, int kc,
                           float[] dst, int d) {
        if (!transA) {
            int s = aOff + i0 * lda + pc;
            if (mr == MR) {
                // k outer: twelve row streams read in step, each destination row written once, contiguously
                for (int kk = 0; kk < kc; kk++, d += MR) {
                    int r = s + kk;
                    for (int i = 0; i < MR; i++, r += lda) {
                        dst[d + i] = a[r];
                    }
                }
                return;
            }
            for (int i = 0; i < mr; i++, s += lda) {
                int dd = d + i;
                for (int kk = 0; kk < kc; kk++, dd += MR) {
                    dst[dd] = a[s + kk];
                }
            }
        } else {
            // A stored (K, M): each k gives mr contiguous floats. A full panel's twelve are written out
            // (no inner loop and one bounds check), which is over three times faster than the loop.
            int s = aOff + pc * lda + i0;
            if (mr == MR) {
                for (int kk = 0; kk < kc; kk++, s += lda, d += MR) {
                    dst[d] = a[s];
                    dst[d + 1] = a[s + 1];
                    dst[d + 2] = a[s + 2];
                    dst[d + 3] = a[s + 3];
                    dst[d + 4] = a[s + 4];
                    dst[d + 5] = a[s + 5];
                    dst[d + 6] = a[s + 6];
                    dst[d + 7] = a[s + 7];
                    dst[d + 8] = a[s + 8];
                    dst[d + 9] = a[s + 9];
                    dst[d + 10] = a[s + 10];
                    dst[d + 11] = a[s + 11];
                }
                return;
            }
            for (int kk = 0; kk < kc; kk++, s += lda, d += MR) {
                for (int i = 0; i < mr; i++) {
                    dst[d + i] = a[s + i];
                }
            }
        }
    }

    /** Per-thread packing buffers, allocated once per thread. */
    private static final class Workspace {
        final float[] a = new float[MC * KC + A_SLACK];   // (MC / MR, KC, MR) and VectorPacking's slack
        final float[] b = new float[KC * NC];   // (NC / NR, KC, NR)
        final float[] tmp = new float[2 * MR * NR]; // (MR, NR) sums of a K block, then (MR, NR) of one chain
        private float[][] accRows;   // (2 MR, CHUNK) scalar accumulators (a block's, a chain's), on first use
        private float[][] brows;     // (KC, CHUNK) rows of packed B (2 MiB), likewise

        float[][] accRows() {
            if (accRows == null) {
                accRows = new float[2 * MR][ScalarGemmKernel.CHUNK];
            }
            return accRows;
        }

        float[][] brows() {
            if (brows == null) {
                brows = new float[KC][ScalarGemmKernel.CHUNK];
            }
            return brows;
        }
    }

    /** The arguments of one call, reused per calling thread; parts split the output tiles. */
    private static final class Job implements WorkerPool.Task {
        boolean vector;
        boolean transA;
        boolean transB;
        int m;
        int n;
        int k;
        float alpha;
        float beta;
        float[] a;
        int aOff;
        int lda;
        float[] b;
        int bOff;
        int ldb;
        PackedB packed;
        float[] c;
        int cOff;
        int ldc;
        boolean splitN;
        int nUnit;   // columns per unit of an N split: NR, or CHUNK for a row-layout B
        boolean gemv;
        boolean reverse;
        int parts;

        void set(boolean vector, boolean transA, boolean transB, int m, int n, int k, float alpha,
                 float[] a, int aOff, int lda, float[] b, int bOff, int ldb, PackedB packed,
                 float beta, float[] c, int cOff, int ldc) {
            this.vector = vector;
            this.transA = transA;
            this.transB = transB;
            this.m = m;
            this.n = n;
            this.k = k;
            this.alpha = alpha;
            this.a = a;
            this.aOff = aOff;
            this.lda = lda;
            this.b = b;
            this.bOff = bOff;
            this.ldb = ldb;
            this.packed = packed;
            this.beta = beta;
            this.c = c;
            this.cOff = cOff;
            this.ldc = ldc;
        }

        void clear() {
            a = null;
            b = null;
            c = null;
            packed = null;
        }

        /**
         * Splits a one-row product over groups of four column panels (the GEMV kernel's unit); returns the
         * part count.
         */
        int partitionPanels(int threads, boolean reverse) {
            int groups = (n + 4 * NR - 1) / (4 * NR);
            gemv = true;
            this.reverse = reverse;
            parts = Math.max(1, Math.min(threads, groups));
            return parts;
        }

        /** Chooses the number of parts and the split direction; returns the part count. */
        int partition(int threads) {
            gemv = false;
            boolean rowLayout = packed != null && packed.strips() != null;
            // a one-row product on a row-layout B alternates its strip order, as the vector GEMV its panels
            reverse = m == 1 && rowLayout && packed.nextRowPassReversed();
            // a row-layout B is read in place by strips of CHUNK columns, so its columns split by strips
            nUnit = rowLayout ? ScalarGemmKernel.CHUNK : NR;
            int nTiles = (n + nUnit - 1) / nUnit;
            int mTiles = (m + MR - 1) / MR;
            double flops = 2.0 * m * n * k;
            // a one-row product on a row-layout B splits as early as the vector kernel's GEMV, for its reason
            double minFlops = m == 1 && nUnit != NR ? GEMV_PARALLEL_MIN_FLOPS : PARALLEL_MIN_FLOPS;
            int p = flops < minFlops ? 1 : Math.max(1, threads);
            // Split N when B is pre-packed (each core then keeps its half of B in its own cache) or
            // when N is the larger side (each thread packs only its slice of the bigger operand).
            boolean preferN = packed != null || n >= m;
            if (preferN ? nTiles >= p : mTiles < p && nTiles >= p) {
                splitN = true;
            } else if (mTiles >= p) {
                splitN = false;
            } else {
                splitN = nTiles >= mTiles;
                p = Math.max(1, Math.min(p, Math.max(nTiles, mTiles)));
            }
            parts = p;
            return p;
        }

        @Override
        public void run(int part) {
            if (gemv) {
                int groups = (n + 4 * NR - 1) / (4 * NR);
                int g0 = (int) ((long) groups * part / parts);
                int g1 = (int) ((long) groups * (part + 1) / parts);
                VectorSkinnyGemm.singleRow(alpha, a, aOff, packed, beta, c, cOff, WORKSPACE.get().tmp,
                        4 * g0, Math.min(4 * g1, (n + NR - 1) / NR), reverse);
            } else if (splitN) {
                int tiles = (n + nUnit - 1) / nUnit;
                int t0 = (int) ((long) tiles * part / parts);
                int t1 = (int) ((long) tiles * (part + 1) / parts);
                block(this, 0, m, t0 * nUnit, Math.min(n, t1 * nUnit));
            } else {
                int tiles = (m + MR - 1) / MR;
                int t0 = (int) ((long) tiles * part / parts);
                int t1 = (int) ((long) tiles * (part + 1) / parts);
                block(this, t0 * MR, Math.min(m, t1 * MR), 0, n);
            }
        }
    }
}
