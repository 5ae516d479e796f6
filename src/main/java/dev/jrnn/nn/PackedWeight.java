package dev.jrnn.nn;

import dev.jrnn.nn.internal.Kernels;
import dev.jrnn.tensor.Tensor;
import dev.jrnn.tensor.internal.PackedB;

/**
 * The GEMM-packed transpose {@code Wᵀ} of one torch-layout weight {@code W (G, K)}, kept between
 * calls and rebuilt when the weight's values change, as told by {@link Tensor#version()} (every
 * write through the public API, {@code loadStateDict} and the optimizers bumps it). A cell stepped
 * in a loop then packs its weights once instead of at every step.
 *
 * <p>Thread safety: safe for concurrent readers; the packed form is immutable and published through a
 * volatile field, and two threads that find it stale at once both rebuild it, with the same result.
 * A write to the weight that races with a forward is a data race of the caller's making (the forward
 * may see old or new values), as for any unsynchronised read of a {@code Tensor}.
 */
final class PackedWeight {

    private record Entry(Tensor source, long version, PackedB packed) {
    }

    private volatile Entry entry;

    /**
     * {@return {@code Wᵀ} packed for {@link Kernels#sgemmPacked}}
     *
     * @param w the weight {@code (G, K)}, row-major values read through {@link Tensor#toArray()}
     */
    PackedB transposed(Tensor w) {
        long version = w.version();   // read before the values: a concurrent write makes this entry stale
        Entry e = entry;
        if (e != null && e.source == w && e.version == version) {
            return e.packed;
        }
        PackedB packed = Kernels.packTransposed(w.toArray(), w.size(0), w.size(1));
        entry = new Entry(w, version, packed);
        return packed;
    }
}
