package dev.jrnn.tensor.internal;

import dev.jrnn.tensor.Tensor;

/**
 * Raw access to a {@link Tensor}'s storage for the engine packages ({@code dev.jrnn.nn}), which must read
 * an input and write an output without the copies that the public API makes ({@link Tensor#toArray()},
 * {@link Tensor#of}). Not exported: the recurrent inference path and the streaming step use it to stay
 * allocation-free. {@link Tensor} installs the accessor in its static initialiser.
 */
public final class TensorAccess {

    /** The operations {@link Tensor} provides; implemented inside the tensor package. */
    public interface Accessor {
        /** {@return the storage array (shared, not a copy)} */
        float[] storage(Tensor t);

        /** {@return the storage offset of element (0, ..., 0)} */
        int offset(Tensor t);

        /** {@return a contiguous tensor that takes ownership of {@code data} (no copy)} */
        Tensor wrap(float[] data, int... shape);

        /** Records a write made directly to the storage (the version counter). */
        void markWritten(Tensor t);

        /** Copies the elements of {@code t} in row-major order to {@code dst[dstOff...]} (any view, no allocation). */
        void copyInto(Tensor t, float[] dst, int dstOff);
    }

    private static volatile Accessor accessor;

    private TensorAccess() {
    }

    /** Called once by {@link Tensor}'s static initialiser. */
    public static void install(Accessor a) {
        if (accessor != null) {
            throw new IllegalStateException("TensorAccess already installed");
        }
        accessor = a;
    }

    private static Accessor get() {
        Accessor a = accessor;
        if (a == null) {
            Tensor.scalar(0f);   // initialises Tensor, which installs the accessor
            a = accessor;
        }
        return a;
    }

    /** {@return the storage of {@code t} (shared, not a copy)} */
    public static float[] storage(Tensor t) {
        return get().storage(t);
    }

    /** {@return the storage offset of {@code t}} */
    public static int offset(Tensor t) {
        return get().offset(t);
    }

    /** {@return a contiguous tensor owning {@code data} without copying it; the caller must not keep it} */
    public static Tensor wrap(float[] data, int... shape) {
        return get().wrap(data, shape);
    }

    /** Copies {@code t}'s elements in row-major order into {@code dst} from {@code dstOff}, without allocating. */
    public static void copyInto(Tensor t, float[] dst, int dstOff) {
        get().copyInto(t, dst, dstOff);
    }

    /** Bumps the version counter of {@code t} after a direct write to its storage. */
    public static void markWritten(Tensor t) {
        get().markWritten(t);
    }
}
