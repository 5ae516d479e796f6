package dev.jrnn.tensor;

import dev.jrnn.tensor.internal.Activations;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A strided float32 n-dimensional array: a view (shape, strides, offset) over a {@code float[]}
 * storage, with PyTorch's semantics for views, broadcasting and shapes.
 *
 * <p>Views ({@code view}, {@code transpose}, {@code narrow}, ...) share storage with the tensor they
 * come from: writing through one is visible through the other. Every method that returns a view
 * says so. Methods ending in {@code InPlace} mutate this tensor; every other method leaves it
 * unchanged and returns a new contiguous tensor with its own storage.
 *
 * <p>Dimensions may be negative and count from the end, as in torch: for a 3-D tensor, {@code -1}
 * is dimension 2. Binary operations broadcast like numpy/torch: shapes are aligned on the right and
 * a size of 1 (or a missing dimension) stretches to the other size.
 *
 * <p><b>Equality.</b> {@link #equals(Object)} and {@link #hashCode()} are those of {@link Object}
 * (identity): a tensor is mutable and views alias each other, so value-based hashing would break
 * hash-based collections. Use {@link #contentEquals(Tensor)} for exact value equality or
 * {@link #allClose(Tensor, double, double)} for tolerance-based comparison.
 *
 * <p>Arguments are never null ({@link NullPointerException} names the argument). Bad shapes, dims,
 * view arguments and incompatible operands throw {@link IllegalArgumentException} with a message
 * giving the expected and the actual value (dims as torch: "Dimension out of range (expected to be
 * in range of [-2, 1], but got 2)"); element indices of {@link #get(int...)} and
 * {@link #set(float, int...)} are checked with {@link Objects#checkIndex} and throw
 * {@link IndexOutOfBoundsException}. Shapes whose element count exceeds {@link #MAX_NUMEL} are
 * rejected, so no size computation overflows.
 *
 * <p>Thread safety: not thread-safe for writes. Concurrent reads of a tensor (and of its views) are safe;
 * an {@code InPlace} method, {@link #set(float, int...)} or a write through a view sharing the storage needs
 * external synchronisation with every other access to that storage.
 */
public final class Tensor {

    static {
        dev.jrnn.tensor.internal.TensorAccess.install(new dev.jrnn.tensor.internal.TensorAccess.Accessor() {
            @Override
            public float[] storage(Tensor t) {
                return t.data;
            }

            @Override
            public int offset(Tensor t) {
                return t.offset;
            }

            @Override
            public Tensor wrap(float[] data, int... shape) {
                int[] s = checkShape(shape);
                if (data.length != numel(s)) {
                    throw new IllegalArgumentException("wrap: shape " + Arrays.toString(s) + " needs " + numel(s)
                            + " values, got " + data.length);
                }
                return new Tensor(data, 0, s, contiguousStrides(s));
            }

            @Override
            public void markWritten(Tensor t) {
                t.markWritten();
            }

            @Override
            public void copyInto(Tensor t, float[] dst, int dstOff) {
                int n = t.numel();
                Objects.checkFromIndexSize(dstOff, n, dst.length);
                int[] sh = t.shape;
                int[] st = t.strides;
                if (t.isContiguous()) {
                    System.arraycopy(t.data, t.offset, dst, dstOff, n);
                } else if (n == 0) {
                    return;
                } else if (sh.length == 3) {   // the recurrent layers' views: no index or stride arrays
                    copyStrided(t.data, t.offset, sh[0], st[0], sh[1], st[1], sh[2], st[2], dst, dstOff);
                } else if (sh.length == 2) {
                    copyStrided(t.data, t.offset, 1, 0, sh[0], st[0], sh[1], st[1], dst, dstOff);
                } else {
                    unaryLoop(U_COPY, 0f, t.shape, t.data, t.offset, t.strides, dst, dstOff, contiguousStrides(t.shape));
                }
            }
        });
    }

    /** Copies a strided {@code (n0, n1, n2)} view from {@code x} row-major into {@code o} from {@code oo}. */
    private static void copyStrided(float[] x, int xo, int n0, int s0, int n1, int s1, int n2, int s2,
                                    float[] o, int oo) {
        for (int i = 0; i < n0; i++) {
            for (int j = 0; j < n1; j++) {
                int src = xo + i * s0 + j * s1;
                if (s2 == 1) {
                    System.arraycopy(x, src, o, oo, n2);
                } else {
                    for (int k = 0; k < n2; k++) {
                        o[oo + k] = x[src + k * s2];
                    }
                }
                oo += n2;
            }
        }
    }

    /** Largest number of elements a tensor may have; the storage is a single {@code float[]}. */
    public static final int MAX_NUMEL = Integer.MAX_VALUE - 8;

    private final float[] data;   // storage, shared between views
    private final int offset;     // index of element (0, ..., 0) in data
    private final int[] shape;    // (d0, d1, ..., d_{n-1}); never exposed
    private final int[] strides;  // elements, not bytes; never exposed
    private final long[] version; // one cell per storage, shared between views: the write counter

    Tensor(float[] data, int offset, int[] shape, int[] strides) {
        this(data, new long[1], offset, shape, strides);
    }

    /** A view of {@code base}'s storage (shares its data and its version counter). */
    private Tensor(Tensor base, int offset, int[] shape, int[] strides) {
        this(base.data, base.version, offset, shape, strides);
    }

    private Tensor(float[] data, long[] version, int offset, int[] shape, int[] strides) {
        this.data = data;
        this.version = version;
        this.offset = offset;
        this.shape = shape;
        this.strides = strides;
    }

    private static Tensor fresh(int[] shape) {
        return new Tensor(new float[numel(shape)], 0, shape, contiguousStrides(shape));
    }

    // ================================================================ factories

    /**
     * {@return a new contiguous tensor of the given shape filled with zeros}
     *
     * @param shape the shape, not modified; sizes must be non-negative
     */
    public static Tensor zeros(int... shape) {
        return fresh(checkShape(shape));
    }

    /**
     * {@return a new contiguous tensor of the given shape filled with ones}
     *
     * @param shape the shape, not modified; sizes must be non-negative
     */
    public static Tensor ones(int... shape) {
        return full(1f, shape);
    }

    /**
     * {@return a new contiguous tensor of the given shape filled with {@code value}}
     *
     * @param value the fill value (any float, including NaN and infinities)
     * @param shape the shape, not modified; sizes must be non-negative
     */
    public static Tensor full(float value, int... shape) {
        Tensor t = fresh(checkShape(shape));
        Arrays.fill(t.data, value);
        return t;
    }

    /**
     * {@return a new contiguous tensor holding a copy of {@code values} with the given shape}
     *
     * @param values row-major values, not modified; length must equal the product of {@code shape}
     * @param shape the shape, not modified
     */
    public static Tensor of(float[] values, int... shape) {
        Objects.requireNonNull(values, "values");
        int[] s = checkShape(shape);
        int n = numel(s);
        if (values.length != n) {
            throw new IllegalArgumentException("of: shape " + Arrays.toString(s) + " needs " + n
                    + " values, got " + values.length);
        }
        return new Tensor(values.clone(), 0, s, contiguousStrides(s));
    }

    /**
     * {@return a new 0-dimensional tensor (shape {@code ()}) holding {@code value}}
     *
     * @param value the value
     */
    public static Tensor scalar(float value) {
        return new Tensor(new float[] {value}, 0, new int[0], new int[0]);
    }

    /**
     * {@return the 1-D tensor {@code [0, 1, ..., n - 1]} of shape {@code (n)}}
     *
     * @param n the number of elements, {@code >= 0}
     */
    public static Tensor arange(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("arange: n must be >= 0, got " + n);
        }
        Tensor t = fresh(checkShape(new int[] {n}));
        for (int i = 0; i < n; i++) {
            t.data[i] = i;
        }
        return t;
    }

    /**
     * Returns the 1-D tensor {@code [start, start + step, ...]} of the values in {@code [start, end)},
     * as {@code torch.arange(start, end, step)}: its length is {@code ceil((end - start) / step)}
     * computed in double, and element {@code i} is {@code (float) (start + i * step)} computed in
     * double.
     *
     * @param start the first value, finite
     * @param end the exclusive bound, finite
     * @param step the non-zero increment; its sign must agree with {@code end - start}
     * @return a new contiguous tensor of shape {@code (ceil((end - start) / step))}
     */
    public static Tensor arange(float start, float end, float step) {
        if (!Float.isFinite(start) || !Float.isFinite(end) || !Float.isFinite(step)) {
            throw new IllegalArgumentException("arange: start, end and step must be finite, got start="
                    + start + ", end=" + end + ", step=" + step);
        }
        if (step == 0f) {
            throw new IllegalArgumentException("arange: step must be nonzero");
        }
        if ((step > 0 && end < start) || (step < 0 && end > start)) {
            throw new IllegalArgumentException("arange: upper bound and larger bound inconsistent with step sign"
                    + " (start=" + start + ", end=" + end + ", step=" + step + ")");
        }
        double len = Math.ceil(((double) end - start) / step);
        if (len > MAX_NUMEL) {
            throw new IllegalArgumentException("arange: " + len + " elements exceed the maximum of " + MAX_NUMEL);
        }
        int n = (int) len;
        Tensor t = fresh(new int[] {n});
        for (int i = 0; i < n; i++) {
            t.data[i] = (float) (start + (double) i * step);
        }
        return t;
    }

    /**
     * Returns a tensor of values drawn uniformly from {@code [low, high)}: each element is
     * {@code low + (high - low) * g.nextFloat()} in float, in row-major order (float rounding can
     * yield {@code high} itself when the range is wide).
     *
     * @param g the generator, modified (advanced by one draw per element)
     * @param low the lower bound, finite
     * @param high the upper bound, finite and {@code >= low}
     * @param shape the shape, not modified
     * @return a new contiguous tensor
     */
    public static Tensor uniform(Generator g, float low, float high, int... shape) {
        Objects.requireNonNull(g, "g");
        if (!Float.isFinite(low) || !Float.isFinite(high) || low > high) {
            throw new IllegalArgumentException("uniform: expects low <= high, both finite, got low=" + low
                    + ", high=" + high);
        }
        Tensor t = fresh(checkShape(shape));
        float range = high - low;
        for (int i = 0; i < t.data.length; i++) {
            t.data[i] = low + range * g.nextFloat();
        }
        return t;
    }

    /**
     * Returns a tensor of normally distributed values: each element is
     * {@code (float) (mean + std * g.nextGaussian())}, in row-major order.
     *
     * @param g the generator, modified (advanced for each element)
     * @param mean the mean, finite
     * @param std the standard deviation, finite and {@code >= 0}
     * @param shape the shape, not modified
     * @return a new contiguous tensor
     */
    public static Tensor normal(Generator g, float mean, float std, int... shape) {
        Objects.requireNonNull(g, "g");
        if (!Float.isFinite(mean) || !Float.isFinite(std) || std < 0) {
            throw new IllegalArgumentException("normal: expects a finite mean and a finite std >= 0, got mean="
                    + mean + ", std=" + std);
        }
        Tensor t = fresh(checkShape(shape));
        for (int i = 0; i < t.data.length; i++) {
            t.data[i] = (float) (mean + std * g.nextGaussian());
        }
        return t;
    }

    // ================================================================ geometry

    /** {@return a copy of the shape} */
    public int[] shape() {
        return shape.clone();
    }

    /** {@return a copy of the strides, in elements} */
    public int[] strides() {
        return strides.clone();
    }

    /** {@return the number of dimensions} */
    public int dim() {
        return shape.length;
    }

    /** {@return the number of elements} */
    public int numel() {
        return numel(shape);
    }

    /** {@return the storage offset of element (0, ..., 0), in elements} */
    public int storageOffset() {
        return offset;
    }

    /**
     * {@return the size of dimension {@code dim}}
     *
     * @param dim the dimension, negative counts from the end
     */
    public int size(int dim) {
        return shape[wrapDimOfShape("size", dim)];
    }

    /**
     * {@return the stride of dimension {@code dim}, in elements}
     *
     * @param dim the dimension, negative counts from the end
     */
    public int stride(int dim) {
        return strides[wrapDimOfShape("stride", dim)];
    }

    private int wrapDimOfShape(String op, int dim) {
        int d = wrapDim(dim, shape.length);
        if (shape.length == 0) {
            throw new IllegalArgumentException(op + ": dimension specified as " + dim
                    + " but tensor has no dimensions");
        }
        return d;
    }

    /**
     * {@return true when the elements are laid out row-major without gaps (sizes 1 and empty
     * tensors ignore strides, as in torch)}
     */
    public boolean isContiguous() {
        if (numel(shape) == 0) {
            return true;
        }
        int expected = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] == 1) {
                continue;
            }
            if (strides[d] != expected) {
                return false;
            }
            expected *= shape[d];
        }
        return true;
    }

    /**
     * {@return true when {@code other} has exactly this shape}
     *
     * @param other the other tensor, not modified
     */
    public boolean sameShape(Tensor other) {
        Objects.requireNonNull(other, "other");
        return Arrays.equals(shape, other.shape);
    }

    /** {@return the shape as a Python tuple: {@code ()}, {@code (5,)}, {@code (2, 3)}} */
    public String shapeString() {
        return shapeString(shape);
    }

    static String shapeString(int[] s) {
        if (s.length == 1) {
            return "(" + s[0] + ",)";
        }
        StringBuilder b = new StringBuilder("(");
        for (int d = 0; d < s.length; d++) {
            b.append(d == 0 ? "" : ", ").append(s[d]);
        }
        return b.append(')').toString();
    }

    // ================================================================ raw access for this package

    float[] storage() {
        return data;
    }

    int offset() {
        return offset;
    }

    int sizeAt(int d) {
        return shape[d];
    }

    int strideAt(int d) {
        return strides[d];
    }

    // ================================================================ element access

    /**
     * {@return the element at {@code idx}}
     *
     * @param idx one index per dimension, each in {@code [0, size(d))}; not modified
     */
    public float get(int... idx) {
        return data[index("get", idx)];
    }

    /**
     * Writes {@code v} at {@code idx}; visible through every view sharing this storage.
     *
     * @param v the value
     * @param idx one index per dimension, each in {@code [0, size(d))}; not modified
     */
    public void set(float v, int... idx) {
        data[index("set", idx)] = v;
        version[0]++;
    }

    /**
     * {@return the write counter of this tensor's storage (PyTorch's {@code _version})}: it increases with
     * every write through this tensor or through any view sharing its storage ({@link #set}, every
     * {@code InPlace} method, a GEMM output), so that a cache derived from the values (for example the
     * packed weights of a recurrent layer) can tell that it is stale. Values only; shape and strides
     * never change.
     */
    public long version() {
        return version[0];
    }

    /** Records a write that bypasses the public methods (a GEMM writing its output storage). */
    void markWritten() {
        version[0]++;
    }

    private int index(String op, int[] idx) {
        Objects.requireNonNull(idx, "idx");
        if (idx.length != shape.length) {
            throw new IllegalArgumentException(op + ": expected " + shape.length + " indices for shape "
                    + shapeString() + ", got " + idx.length);
        }
        int p = offset;
        for (int d = 0; d < idx.length; d++) {
            p += Objects.checkIndex(idx[d], shape[d]) * strides[d];
        }
        return p;
    }

    /** {@return the only element of a tensor with exactly one element (any number of dims)} */
    public float item() {
        int n = numel();
        if (n != 1) {
            throw new IllegalArgumentException("item: a Tensor with " + n + " elements cannot be converted to Scalar");
        }
        return data[offset];
    }

    /** {@return a new array holding the elements in row-major order} */
    public float[] toArray() {
        return contiguousCopyData();
    }

    private float[] contiguousCopyData() {
        int n = numel();
        if (isContiguous()) {   // one block copy: a (G, H) weight is read on every step of a cell loop
            return Arrays.copyOfRange(data, offset, offset + n);
        }
        float[] out = new float[n];
        unaryLoop(U_COPY, 0f, shape, data, offset, strides, out, 0, contiguousStrides(shape));
        return out;
    }

    // ================================================================ views

    /**
     * Returns a view with the given shape that shares storage with this tensor, as
     * {@code torch.Tensor.view}. One size may be {@code -1}; it is inferred from the others. Only
     * legal when the new shape can be expressed with strides over the existing storage (always true
     * for contiguous tensors); otherwise use {@link #reshape(int...)}.
     *
     * @param shape the new shape, not modified; its product must equal {@link #numel()}
     * @return a view sharing storage with this tensor
     * @throws IllegalArgumentException if the shape is invalid for this size or incompatible with
     *     the strides
     */
    public Tensor view(int... shape) {
        int[] s = inferSize("view", shape, numel());
        int[] st = viewStrides(s);
        if (st == null) {
            throw new IllegalArgumentException("view: size " + Arrays.toString(s) + " is not compatible with"
                    + " input tensor's size " + Arrays.toString(this.shape) + " and stride "
                    + Arrays.toString(strides) + " (at least one dimension spans across two contiguous"
                    + " subspaces). Use reshape(...) instead.");
        }
        return new Tensor(this, offset, s, st);
    }

    /**
     * Returns a tensor with the given shape and the same elements in row-major order, as
     * {@code torch.reshape}: a view sharing storage when {@link #view(int...)} is legal, otherwise a
     * contiguous copy. One size may be {@code -1}.
     *
     * @param shape the new shape, not modified; its product must equal {@link #numel()}
     * @return a view sharing storage with this tensor when possible, else a new tensor
     */
    public Tensor reshape(int... shape) {
        int[] s = inferSize("reshape", shape, numel());
        int[] st = viewStrides(s);
        if (st != null) {
            return new Tensor(this, offset, s, st);
        }
        return new Tensor(contiguousCopyData(), 0, s, contiguousStrides(s));
    }

    /** torch's computeStride: strides for viewing this geometry as newShape, or null. */
    private int[] viewStrides(int[] newShape) {
        if (numel() == 0 || shape.length == 0) {
            return contiguousStrides(newShape);
        }
        int[] newStrides = new int[newShape.length];
        int viewD = newShape.length - 1;
        long chunkBaseStride = strides[strides.length - 1];
        long tensorNumel = 1;
        long viewNumel = 1;
        for (int tensorD = shape.length - 1; tensorD >= 0; tensorD--) {
            tensorNumel *= shape[tensorD];
            if (tensorD == 0 || (shape[tensorD - 1] != 1 && strides[tensorD - 1] != tensorNumel * chunkBaseStride)) {
                while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1)) {
                    newStrides[viewD] = (int) (viewNumel * chunkBaseStride);
                    viewNumel *= newShape[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) {
                    return null;
                }
                if (tensorD > 0) {
                    chunkBaseStride = strides[tensorD - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        return viewD == -1 ? newStrides : null;
    }

    private static int[] inferSize(String op, int[] shape, int numel) {
        Objects.requireNonNull(shape, "shape");
        int[] s = shape.clone();
        int infer = -1;
        long known = 1;
        boolean hasZero = false;
        for (int v : s) {
            hasZero |= v == 0;
        }
        for (int d = 0; d < s.length; d++) {
            if (s[d] == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException(op + ": only one dimension can be inferred, got shape "
                            + Arrays.toString(s));
                }
                infer = d;
            } else if (s[d] < 0) {
                throw new IllegalArgumentException(op + ": invalid shape dimension " + s[d] + " at dim " + d
                        + " of shape " + Arrays.toString(s));
            } else {
                known *= s[d];
                if (!hasZero && known > MAX_NUMEL) {
                    throw new IllegalArgumentException(op + ": shape " + Arrays.toString(s)
                            + " is invalid for input of size " + numel);
                }
            }
        }
        if (infer >= 0) {
            if (known == 0) {
                throw new IllegalArgumentException(op + ": cannot reshape tensor of " + numel
                        + " elements into shape " + Arrays.toString(s) + " because the unspecified dimension"
                        + " size -1 can be any value and is ambiguous");
            }
            if (numel % known != 0) {
                throw new IllegalArgumentException(op + ": shape " + Arrays.toString(s)
                        + " is invalid for input of size " + numel);
            }
            s[infer] = (int) (numel / known);
        } else if (known != numel) {
            throw new IllegalArgumentException(op + ": shape " + Arrays.toString(s)
                    + " is invalid for input of size " + numel);
        }
        return s;
    }

    /**
     * Returns a view with the dimensions reordered: dimension {@code i} of the result is dimension
     * {@code dims[i]} of this tensor. Shares storage.
     *
     * @param dims a permutation of the dimensions (negative allowed), not modified
     * @return a view sharing storage with this tensor
     */
    public Tensor permute(int... dims) {
        Objects.requireNonNull(dims, "dims");
        int n = shape.length;
        if (dims.length != n) {
            throw new IllegalArgumentException("permute: number of dims don't match (expected " + n
                    + ", got " + dims.length + ")");
        }
        int[] s = new int[n];
        int[] st = new int[n];
        boolean[] seen = new boolean[n];
        for (int i = 0; i < n; i++) {
            int d = wrapDim(dims[i], n);
            if (seen[d]) {
                throw new IllegalArgumentException("permute: repeated dim " + d + " in " + Arrays.toString(dims));
            }
            seen[d] = true;
            s[i] = shape[d];
            st[i] = strides[d];
        }
        return new Tensor(this, offset, s, st);
    }

    /**
     * Returns a view with dimensions {@code dim0} and {@code dim1} swapped. Shares storage.
     *
     * @param dim0 a dimension, negative counts from the end
     * @param dim1 a dimension, negative counts from the end
     * @return a view sharing storage with this tensor
     */
    public Tensor transpose(int dim0, int dim1) {
        int n = shape.length;
        int a = wrapDim(dim0, n);
        int b = wrapDim(dim1, n);
        if (n == 0) {
            return new Tensor(this, offset, shape, strides);
        }
        int[] s = shape.clone();
        int[] st = strides.clone();
        s[a] = shape[b];
        s[b] = shape[a];
        st[a] = strides[b];
        st[b] = strides[a];
        return new Tensor(this, offset, s, st);
    }

    /**
     * Returns the transpose of a 2-D tensor (shape {@code (m, n)} becomes {@code (n, m)}); 0-D and 1-D
     * tensors are returned as a view of themselves, as {@code torch.Tensor.t}. Shares storage.
     *
     * @return a view sharing storage with this tensor
     * @throws IllegalArgumentException if this tensor has more than 2 dimensions
     */
    public Tensor t() {
        if (shape.length > 2) {
            throw new IllegalArgumentException("t() expects a tensor with <= 2 dimensions, but self is "
                    + shape.length + "D");
        }
        return shape.length < 2 ? new Tensor(this, offset, shape, strides) : transpose(0, 1);
    }

    /**
     * Returns the view of elements {@code [start, start + length)} along {@code dim}. Shares storage.
     *
     * @param dim the dimension, negative counts from the end
     * @param start the first index, {@code >= 0} (negative counts from the end, as in torch)
     * @param length the number of elements kept, {@code >= 0}
     * @return a view sharing storage with this tensor
     */
    public Tensor narrow(int dim, int start, int length) {
        if (shape.length == 0) {
            throw new IllegalArgumentException("narrow() cannot be applied to a 0-dim tensor.");
        }
        int d = wrapDim(dim, shape.length);
        int size = shape[d];
        if (start < -size || start > size) {
            throw new IllegalArgumentException("narrow: start " + start + " out of range for size " + size
                    + " of dim " + d + " (expected to be in range of [" + (-size) + ", " + size + "])");
        }
        int st = start < 0 ? start + size : start;
        if (length < 0) {
            throw new IllegalArgumentException("narrow: length must be non-negative, got " + length);
        }
        if ((long) st + length > size) {
            throw new IllegalArgumentException("narrow: start " + st + " + length " + length + " exceeds size "
                    + size + " of dim " + d);
        }
        int[] s = shape.clone();
        s[d] = length;
        return new Tensor(this, offset + (length == 0 ? 0 : st * strides[d]), s, strides.clone());
    }

    /**
     * Returns the view at {@code index} along {@code dim}, with that dimension removed (shape
     * {@code (A, B, C)} with {@code dim = 1} gives {@code (A, C)}). Shares storage.
     *
     * @param dim the dimension, negative counts from the end
     * @param index the index, in {@code [-size, size)}; negative counts from the end
     * @return a view sharing storage with this tensor
     */
    public Tensor select(int dim, int index) {
        if (shape.length == 0) {
            throw new IllegalArgumentException("select() cannot be applied to a 0-dim tensor.");
        }
        int d = wrapDim(dim, shape.length);
        int size = shape[d];
        if (index < -size || index >= size) {
            throw new IllegalArgumentException("select(): index " + index + " out of range for tensor of size "
                    + Arrays.toString(shape) + " at dimension " + d);
        }
        int i = index < 0 ? index + size : index;
        return new Tensor(this, offset + i * strides[d], remove(shape, d), remove(strides, d));
    }

    /**
     * Returns a view with a dimension of size 1 inserted at {@code dim}. Shares storage.
     *
     * @param dim the position of the new dimension in the result, in {@code [-dim()-1, dim()]}
     * @return a view sharing storage with this tensor
     */
    public Tensor unsqueeze(int dim) {
        int n = shape.length;
        int d = wrapDim(dim, n + 1);
        int newStride = d >= n ? 1 : shape[d] * strides[d];
        return new Tensor(this, offset, insert(shape, d, 1), insert(strides, d, newStride));
    }

    /** {@return a view with every dimension of size 1 removed, sharing storage with this tensor} */
    public Tensor squeeze() {
        int keep = 0;
        for (int v : shape) {
            keep += v == 1 ? 0 : 1;
        }
        int[] s = new int[keep];
        int[] st = new int[keep];
        int j = 0;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] != 1) {
                s[j] = shape[d];
                st[j++] = strides[d];
            }
        }
        return new Tensor(this, offset, s, st);
    }

    /**
     * Returns a view with dimension {@code dim} removed if its size is 1, else a view with the same
     * shape, as {@code torch.squeeze(dim)}. Shares storage.
     *
     * @param dim the dimension, negative counts from the end
     * @return a view sharing storage with this tensor
     */
    public Tensor squeeze(int dim) {
        int d = wrapDim(dim, shape.length);
        if (shape.length == 0 || shape[d] != 1) {
            return new Tensor(this, offset, shape, strides);
        }
        return new Tensor(this, offset, remove(shape, d), remove(strides, d));
    }

    /**
     * Returns a view broadcast to {@code sizes} without copying: dimensions of size 1 are stretched
     * with stride 0, and new leading dimensions may be added, as {@code torch.Tensor.expand}. A size
     * of {@code -1} keeps the existing size. Shares storage; do not write through the result (the
     * {@code InPlace} methods reject it).
     *
     * @param sizes the target shape, not modified; at least {@link #dim()} entries
     * @return a view sharing storage with this tensor
     */
    public Tensor expand(int... sizes) {
        Objects.requireNonNull(sizes, "sizes");
        int n = shape.length;
        int m = sizes.length;
        if (m < n) {
            throw new IllegalArgumentException("expand: the number of sizes provided (" + m + ") must be greater"
                    + " or equal to the number of dimensions in the tensor (" + n + ")");
        }
        int[] s = new int[m];
        int[] st = new int[m];
        for (int i = m - 1; i >= 0; i--) {
            int d = i - (m - n);
            int target = sizes[i];
            if (d < 0) {
                if (target < 0) {
                    throw new IllegalArgumentException("expand: the expanded size of the tensor (" + target
                            + ") isn't allowed in a leading, non-existing dimension " + i);
                }
                s[i] = target;
                st[i] = 0;
            } else if (target == -1) {
                s[i] = shape[d];
                st[i] = strides[d];
            } else if (target < 0) {
                throw new IllegalArgumentException("expand: invalid size " + target + " at dim " + i);
            } else if (shape[d] == target) {
                s[i] = target;
                st[i] = strides[d];
            } else if (shape[d] == 1) {
                s[i] = target;
                st[i] = 0;
            } else {
                throw new IllegalArgumentException("expand: the expanded size of the tensor (" + target
                        + ") must match the existing size (" + shape[d] + ") at non-singleton dimension " + i
                        + ".  Target sizes: " + Arrays.toString(sizes) + ".  Tensor sizes: "
                        + Arrays.toString(shape));
            }
        }
        checkShape(s);
        return new Tensor(this, offset, s, st);
    }

    /** {@return this tensor if {@link #isContiguous()}, else a contiguous copy with its own storage} */
    public Tensor contiguous() {
        return isContiguous() ? this : copy();
    }

    /** {@return a contiguous copy with its own storage (never shares storage with this tensor)} */
    public Tensor copy() {
        return new Tensor(contiguousCopyData(), 0, shape.clone(), contiguousStrides(shape));
    }

    // ================================================================ filling and copying

    /**
     * Copies {@code src}, broadcast to this shape, into this tensor (and so into every view sharing
     * its storage). {@code src} may overlap this tensor's storage.
     *
     * @param src the source, not modified; must be broadcastable to this shape
     * @return this tensor, modified
     */
    public Tensor copyFromInPlace(Tensor src) {
        binaryInPlace("copyFromInPlace", B_SECOND, 0f, src);
        return this;
    }

    /**
     * Sets every element to {@code value}.
     *
     * @param value the fill value
     * @return this tensor, modified
     */
    public Tensor fillInPlace(float value) {
        checkWritable("fillInPlace");
        unaryLoop(U_FILL, value, shape, data, offset, strides, data, offset, strides);
        return this;
    }

    /** {@return this tensor, modified: every element set to {@code +0.0f}} */
    public Tensor zeroInPlace() {
        return fillInPlace(0f);
    }

    // ================================================================ elementwise binary

    /**
     * {@return {@code this + other}, broadcast, as a new tensor}
     *
     * @param other the other operand, not modified; broadcastable with this shape
     */
    public Tensor add(Tensor other) {
        return binary("add", B_ADD, 0f, this, other);
    }

    /**
     * {@return {@code this - other}, broadcast, as a new tensor}
     *
     * @param other the other operand, not modified; broadcastable with this shape
     */
    public Tensor sub(Tensor other) {
        return binary("sub", B_SUB, 0f, this, other);
    }

    /**
     * {@return {@code this * other} elementwise, broadcast, as a new tensor}
     *
     * @param other the other operand, not modified; broadcastable with this shape
     */
    public Tensor mul(Tensor other) {
        return binary("mul", B_MUL, 0f, this, other);
    }

    /**
     * {@return {@code this / other} elementwise (IEEE division), broadcast, as a new tensor}
     *
     * @param other the other operand, not modified; broadcastable with this shape
     */
    public Tensor div(Tensor other) {
        return binary("div", B_DIV, 0f, this, other);
    }

    /**
     * Adds {@code other}, broadcast to this shape, to this tensor.
     *
     * @param other the addend, not modified; must be broadcastable to this shape
     * @return this tensor, modified
     */
    public Tensor addInPlace(Tensor other) {
        binaryInPlace("addInPlace", B_ADD, 0f, other);
        return this;
    }

    /**
     * Subtracts {@code other}, broadcast to this shape, from this tensor.
     *
     * @param other the subtrahend, not modified; must be broadcastable to this shape
     * @return this tensor, modified
     */
    public Tensor subInPlace(Tensor other) {
        binaryInPlace("subInPlace", B_SUB, 0f, other);
        return this;
    }

    /**
     * Multiplies this tensor elementwise by {@code other}, broadcast to this shape.
     *
     * @param other the factor, not modified; must be broadcastable to this shape
     * @return this tensor, modified
     */
    public Tensor mulInPlace(Tensor other) {
        binaryInPlace("mulInPlace", B_MUL, 0f, other);
        return this;
    }

    /**
     * Divides this tensor elementwise by {@code other}, broadcast to this shape.
     *
     * @param other the divisor, not modified; must be broadcastable to this shape
     * @return this tensor, modified
     */
    public Tensor divInPlace(Tensor other) {
        binaryInPlace("divInPlace", B_DIV, 0f, other);
        return this;
    }

    /**
     * Computes {@code this += alpha * other} (axpy), {@code other} broadcast to this shape; each
     * element is {@code this + alpha * other} rounded twice (no fused multiply-add).
     *
     * @param alpha the scale of {@code other}
     * @param other the addend, not modified; must be broadcastable to this shape
     * @return this tensor, modified
     */
    public Tensor addScaledInPlace(float alpha, Tensor other) {
        binaryInPlace("addScaledInPlace", B_AXPY, alpha, other);
        return this;
    }

    // ================================================================ scalar and unary ops

    /**
     * {@return {@code this + value} as a new tensor}
     *
     * @param value the addend
     */
    public Tensor add(float value) {
        return unary(U_ADD, value);
    }

    /**
     * {@return {@code this * value} as a new tensor}
     *
     * @param value the factor
     */
    public Tensor mul(float value) {
        return unary(U_MUL, value);
    }

    /**
     * Adds {@code value} to every element.
     *
     * @param value the addend
     * @return this tensor, modified
     */
    public Tensor addInPlace(float value) {
        return unaryInPlace("addInPlace", U_ADD, value);
    }

    /**
     * Multiplies every element by {@code value}.
     *
     * @param value the factor
     * @return this tensor, modified
     */
    public Tensor mulInPlace(float value) {
        return unaryInPlace("mulInPlace", U_MUL, value);
    }

    /** {@return {@code -this} as a new tensor} */
    public Tensor neg() {
        return unary(U_NEG, 0f);
    }

    /** {@return this tensor, modified: every element negated} */
    public Tensor negInPlace() {
        return unaryInPlace("negInPlace", U_NEG, 0f);
    }

    /** {@return {@code |this|} elementwise as a new tensor} */
    public Tensor abs() {
        return unary(U_ABS, 0f);
    }

    /** {@return this tensor, modified: every element replaced by its absolute value} */
    public Tensor absInPlace() {
        return unaryInPlace("absInPlace", U_ABS, 0f);
    }

    /** {@return {@code exp(this)} elementwise as a new tensor (fast float exp, at most 2 ulp off)} */
    public Tensor exp() {
        return activation(A_EXP);
    }

    /** {@return this tensor, modified: every element {@code x} replaced by {@code exp(x)}} */
    public Tensor expInPlace() {
        return activationInPlace("expInPlace", A_EXP);
    }

    /** {@return {@code tanh(this)} elementwise as a new tensor (fast float tanh, at most 2 ulp off)} */
    public Tensor tanh() {
        return activation(A_TANH);
    }

    /** {@return this tensor, modified: every element {@code x} replaced by {@code tanh(x)}} */
    public Tensor tanhInPlace() {
        return activationInPlace("tanhInPlace", A_TANH);
    }

    /** {@return {@code 1 / (1 + exp(-this))} elementwise as a new tensor (at most 2 ulp off)} */
    public Tensor sigmoid() {
        return activation(A_SIGMOID);
    }

    /** {@return this tensor, modified: every element {@code x} replaced by {@code sigmoid(x)}} */
    public Tensor sigmoidInPlace() {
        return activationInPlace("sigmoidInPlace", A_SIGMOID);
    }

    /** {@return {@code max(this, 0)} elementwise as a new tensor (NaN stays NaN, -0 becomes +0)} */
    public Tensor relu() {
        return activation(A_RELU);
    }

    /** {@return this tensor, modified: every element {@code x} replaced by {@code max(x, 0)}} */
    public Tensor reluInPlace() {
        return activationInPlace("reluInPlace", A_RELU);
    }

    // ================================================================ derivatives from outputs (BPTT)

    /**
     * Backward rule of {@code y = tanh(x)} expressed with the output: {@code gradX = gradY * (1 - y * y)}.
     *
     * @param y the forward output {@code tanh(x)}, not modified
     * @param gradY the gradient with respect to {@code y}, not modified; broadcastable with {@code y}
     * @return a new tensor holding the gradient with respect to {@code x}
     */
    public static Tensor tanhGradFromOutput(Tensor y, Tensor gradY) {
        return binary("tanhGradFromOutput", B_TANH_GRAD, 0f, Objects.requireNonNull(y, "y"), gradY);
    }

    /**
     * Backward rule of {@code y = sigmoid(x)} expressed with the output:
     * {@code gradX = gradY * y * (1 - y)}.
     *
     * @param y the forward output {@code sigmoid(x)}, not modified
     * @param gradY the gradient with respect to {@code y}, not modified; broadcastable with {@code y}
     * @return a new tensor holding the gradient with respect to {@code x}
     */
    public static Tensor sigmoidGradFromOutput(Tensor y, Tensor gradY) {
        return binary("sigmoidGradFromOutput", B_SIGMOID_GRAD, 0f, Objects.requireNonNull(y, "y"), gradY);
    }

    /**
     * Backward rule of {@code y = relu(x)} expressed with the output: {@code gradX = gradY} where
     * {@code y > 0}, else exactly {@code 0} (also at {@code y == 0}, as torch).
     *
     * @param y the forward output {@code relu(x)}, not modified
     * @param gradY the gradient with respect to {@code y}, not modified; broadcastable with {@code y}
     * @return a new tensor holding the gradient with respect to {@code x}
     */
    public static Tensor reluGradFromOutput(Tensor y, Tensor gradY) {
        return binary("reluGradFromOutput", B_RELU_GRAD, 0f, Objects.requireNonNull(y, "y"), gradY);
    }

    // ================================================================ reductions

    /** {@return the sum of all elements as a 0-d tensor, accumulated in double (0 when empty)} */
    public Tensor sum() {
        double acc = 0;
        for (float v : toArray()) {
            acc += v;
        }
        return scalar((float) acc);
    }

    /**
     * {@return the sums along {@code dim} (accumulated in double), with {@code dim} removed}
     *
     * @param dim the dimension, negative counts from the end
     */
    public Tensor sum(int dim) {
        return sum(dim, false);
    }

    /**
     * Sums along {@code dim}, accumulating in double, as {@code torch.sum(dim, keepdim)}: shape
     * {@code (A, B, C)} with {@code dim = 1} gives {@code (A, C)}, or {@code (A, 1, C)} when
     * {@code keepDim}.
     *
     * @param dim the dimension, negative counts from the end
     * @param keepDim whether to keep the reduced dimension with size 1
     * @return a new tensor
     */
    public Tensor sum(int dim, boolean keepDim) {
        int n = shape.length;
        if (n == 0) {
            wrapDim(dim, 0);
            return copy();
        }
        int d = wrapDim(dim, n);
        int[] outer = remove(shape, d);
        int[] outerStrides = remove(strides, d);
        int len = shape[d];
        int st = strides[d];
        int[] offs = offsets(outer, outerStrides, offset);
        float[] out = new float[offs.length];
        for (int i = 0; i < offs.length; i++) {
            double acc = 0;
            for (int j = 0, p = offs[i]; j < len; j++, p += st) {
                acc += data[p];
            }
            out[i] = (float) acc;
        }
        int[] s = keepDim ? insert(outer, d, 1) : outer;
        return new Tensor(out, 0, s, contiguousStrides(s));
    }

    /** {@return the largest element as a 0-d tensor; NaN if any element is NaN (as torch)} */
    public Tensor max() {
        if (numel() == 0) {
            throw new IllegalArgumentException("max(): Expected reduction dim to be specified for input.numel() == 0.");
        }
        float m = Float.NEGATIVE_INFINITY;
        for (float v : toArray()) {
            if (v != v) {
                return scalar(Float.NaN);
            }
            m = Math.max(m, v);
        }
        return scalar(m);
    }

    /**
     * Concatenates tensors along {@code dim}, as {@code torch.cat}. All tensors must have the same
     * number of dimensions and the same sizes except along {@code dim}.
     *
     * @param dim the dimension, negative counts from the end
     * @param tensors the tensors, not modified; at least one
     * @return a new contiguous tensor
     */
    public static Tensor cat(int dim, Tensor... tensors) {
        Objects.requireNonNull(tensors, "tensors");
        return cat(dim, Arrays.asList(tensors));
    }

    /**
     * Concatenates tensors along {@code dim}, as {@code torch.cat}.
     *
     * @param dim the dimension, negative counts from the end
     * @param tensors the tensors, not modified; at least one
     * @return a new contiguous tensor
     */
    public static Tensor cat(int dim, List<Tensor> tensors) {
        Objects.requireNonNull(tensors, "tensors");
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException("cat: expected a non-empty list of Tensors");
        }
        Tensor first = Objects.requireNonNull(tensors.get(0), "tensors[0]");
        int n = first.shape.length;
        if (n == 0) {
            throw new IllegalArgumentException("cat: zero-dimensional tensor (at position 0) cannot be concatenated");
        }
        int d = wrapDim(dim, n);
        long total = 0;
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = Objects.requireNonNull(tensors.get(i), "tensors[" + i + "]");
            if (t.shape.length != n) {
                throw new IllegalArgumentException("cat: Tensors must have same number of dimensions: got " + n
                        + " and " + t.shape.length + " (tensor number " + i + " in the list)");
            }
            for (int k = 0; k < n; k++) {
                if (k != d && t.shape[k] != first.shape[k]) {
                    throw new IllegalArgumentException("cat: Sizes of tensors must match except in dimension " + d
                            + ". Expected size " + first.shape[k] + " but got size " + t.shape[k]
                            + " for tensor number " + i + " in the list.");
                }
            }
            total += t.shape[d];
        }
        int[] s = first.shape.clone();
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("cat: result size " + total + " along dim " + d + " overflows");
        }
        s[d] = (int) total;
        Tensor out = fresh(checkShape(s));
        int at = 0;
        for (Tensor t : tensors) {
            out.narrow(d, at, t.shape[d]).copyFromInPlace(t);
            at += t.shape[d];
        }
        return out;
    }

    /**
     * Stacks equally shaped tensors along a new dimension {@code dim}, as {@code torch.stack}: k
     * tensors of shape {@code (A, B)} with {@code dim = 0} give {@code (k, A, B)}.
     *
     * @param dim the position of the new dimension, in {@code [-dim()-1, dim()]}
     * @param tensors the tensors, not modified; at least one, all of the same shape
     * @return a new contiguous tensor
     */
    public static Tensor stack(int dim, Tensor... tensors) {
        Objects.requireNonNull(tensors, "tensors");
        return stack(dim, Arrays.asList(tensors));
    }

    /**
     * Stacks equally shaped tensors along a new dimension {@code dim}, as {@code torch.stack}.
     *
     * @param dim the position of the new dimension, in {@code [-dim()-1, dim()]}
     * @param tensors the tensors, not modified; at least one, all of the same shape
     * @return a new contiguous tensor
     */
    public static Tensor stack(int dim, List<Tensor> tensors) {
        Objects.requireNonNull(tensors, "tensors");
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException("stack expects a non-empty TensorList");
        }
        Tensor first = Objects.requireNonNull(tensors.get(0), "tensors[0]");
        int d = wrapDim(dim, first.shape.length + 1);
        List<Tensor> parts = new ArrayList<>(tensors.size());
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = Objects.requireNonNull(tensors.get(i), "tensors[" + i + "]");
            if (!Arrays.equals(t.shape, first.shape)) {
                throw new IllegalArgumentException("stack expects each tensor to be equal size, but got "
                        + Arrays.toString(first.shape) + " at entry 0 and " + Arrays.toString(t.shape)
                        + " at entry " + i);
            }
            parts.add(t.unsqueeze(d));
        }
        return cat(d, parts);
    }

    // ================================================================ comparison

    /**
     * Returns whether every element of this tensor is close to the matching element of
     * {@code other} (broadcast), with torch's semantics: {@code |a - b| <= atol + rtol * |b|}
     * (evaluated in double), equal infinities are close, NaN is never close to anything.
     *
     * @param other the reference {@code b}, not modified; broadcastable with this shape
     * @param rtol the relative tolerance, {@code >= 0}
     * @param atol the absolute tolerance, {@code >= 0}
     * @return true when all elements are close (also true for empty tensors)
     */
    public boolean allClose(Tensor other, double rtol, double atol) {
        Objects.requireNonNull(other, "other");
        if (!(rtol >= 0) || !(atol >= 0)) {
            throw new IllegalArgumentException("allClose: rtol and atol must be non-negative, got rtol=" + rtol
                    + ", atol=" + atol);
        }
        int[] s = broadcastShapes(shape, other.shape);
        float[] a = expand(s).toArray();
        float[] b = other.expand(s).toArray();
        for (int i = 0; i < a.length; i++) {
            float x = a[i];
            float y = b[i];
            if (x == y) {
                continue;
            }
            if (!Float.isFinite(x) || !Float.isFinite(y)) {
                return false;
            }
            if (!(Math.abs((double) x - y) <= atol + rtol * Math.abs((double) y))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Returns whether {@code other} has the same shape and, element by element, the same float value
     * in the sense of {@link Float#compare}: NaN equals NaN, but {@code 0.0f} differs from
     * {@code -0.0f}. Strides and storage are not compared.
     *
     * @param other the other tensor, not modified
     * @return true when shapes and values are identical
     */
    public boolean contentEquals(Tensor other) {
        Objects.requireNonNull(other, "other");
        if (!Arrays.equals(shape, other.shape)) {
            return false;
        }
        float[] a = toArray();
        float[] b = other.toArray();
        for (int i = 0; i < a.length; i++) {
            if (Float.floatToIntBits(a[i]) != Float.floatToIntBits(b[i])) {
                return false;
            }
        }
        return true;
    }

    /** {@return identity equality, see the class documentation; use {@link #contentEquals(Tensor)} for values} */
    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    /** {@return the identity hash code, consistent with {@link #equals(Object)}} */
    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }

    // ================================================================ printing

    /**
     * Formats like torch's {@code repr} with its default print options (precision 4, line width 80,
     * summarisation with {@code ...} above 1000 elements keeping 3 edge items), followed by the shape
     * for tensors of one or more dimensions: {@code tensor([[ 0.1000, -0.2000],
     *         [ 0.3000,  0.4000]], shape=(2, 2))}, {@code tensor(1.5000)},
     * {@code tensor([1., 2.], shape=(2,))}, {@code tensor([], shape=(0, 3))}. Scientific notation is
     * chosen as torch does (ratio of largest to smallest non-zero magnitude above 1000, a magnitude
     * above 1e8, or a non-integer magnitude below 1e-4).
     *
     * @return the torch-style representation
     */
    @Override
    public String toString() {
        String body;
        if (numel() == 0) {
            body = "[]";
        } else {
            boolean summarize = numel() > PRINT_THRESHOLD;
            Fmt f;
            if (summarize) {
                List<Float> vals = new ArrayList<>();
                summarizedData(this, vals);
                float[] a = new float[vals.size()];
                for (int i = 0; i < a.length; i++) {
                    a[i] = vals.get(i);
                }
                f = new Fmt(a);
            } else {
                f = new Fmt(toArray());
            }
            body = tensorStr(this, 7, summarize, f);
        }
        return "tensor(" + body + (shape.length == 0 ? "" : ", shape=" + shapeString()) + ")";
    }

    private static final int PRINT_THRESHOLD = 1000;
    private static final int EDGE_ITEMS = 3;
    private static final int LINE_WIDTH = 80;
    private static final int PRECISION = 4;

    private static void summarizedData(Tensor t, List<Float> out) {
        if (t.dim() == 0) {
            out.add(t.item());
            return;
        }
        int n = t.shape[0];
        for (int i = 0; i < n; i++) {
            if (n > 2 * EDGE_ITEMS && i == EDGE_ITEMS) {
                i = n - EDGE_ITEMS;
            }
            summarizedData(t.select(0, i), out);
        }
    }

    private static String tensorStr(Tensor t, int indent, boolean summarize, Fmt f) {
        int dim = t.dim();
        if (dim == 0) {
            return f.format(t.item());
        }
        int n = t.shape[0];
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (summarize && n > 2 * EDGE_ITEMS && i == EDGE_ITEMS) {
                parts.add(dim == 1 ? " ..." : "...");
                i = n - EDGE_ITEMS;
            }
            parts.add(dim == 1 ? f.format(t.get(i)) : tensorStr(t.select(0, i), indent + 1, summarize, f));
        }
        if (dim == 1) {
            int perLine = Math.max(1, (LINE_WIDTH - indent) / (f.maxWidth + 2));
            StringBuilder b = new StringBuilder("[");
            for (int i = 0; i < parts.size(); i++) {
                if (i > 0) {
                    b.append(i % perLine == 0 ? ",\n" + " ".repeat(indent + 1) : ", ");
                }
                b.append(parts.get(i));
            }
            return b.append(']').toString();
        }
        String sep = "," + "\n".repeat(dim - 1) + " ".repeat(indent + 1);
        return "[" + String.join(sep, parts) + "]";
    }

    /** torch's _Formatter for floating tensors. */
    private static final class Fmt {
        boolean intMode = true;
        boolean sciMode = false;
        int maxWidth = 1;

        Fmt(float[] values) {
            double minAbs = Double.POSITIVE_INFINITY;
            double maxAbs = 0;
            int count = 0;
            for (float v : values) {
                if (Float.isFinite(v) && v != 0f) {
                    count++;
                    minAbs = Math.min(minAbs, Math.abs((double) v));
                    maxAbs = Math.max(maxAbs, Math.abs((double) v));
                    if (v != Math.ceil(v)) {
                        intMode = false;
                    }
                }
            }
            if (count == 0) {
                return;
            }
            sciMode = maxAbs / minAbs > 1000.0 || maxAbs > 1.0e8 || (!intMode && minAbs < 1.0e-4);
            for (float v : values) {
                if (Float.isFinite(v) && v != 0f) {
                    int len = sciMode ? sci(v).length() : intMode ? fixed(v, 0).length() + 1 : fixed(v, PRECISION).length();
                    maxWidth = Math.max(maxWidth, len);
                }
            }
        }

        String format(float v) {
            String r;
            if (sciMode) {
                r = sci(v);
            } else if (intMode) {
                r = fixed(v, 0) + (Float.isFinite(v) ? "." : "");
            } else {
                r = fixed(v, PRECISION);
            }
            return r.length() >= maxWidth ? r : " ".repeat(maxWidth - r.length()) + r;
        }

        /** Python's {@code format(v, ".<digits>f")}: exact binary value, round half to even. */
        static String fixed(double v, int digits) {
            if (Double.isNaN(v)) {
                return "nan";
            }
            if (Double.isInfinite(v)) {
                return v > 0 ? "inf" : "-inf";
            }
            String s = new BigDecimal(v).setScale(digits, RoundingMode.HALF_EVEN).toPlainString();
            boolean negative = v < 0 || Double.doubleToRawLongBits(v) == Long.MIN_VALUE;
            return negative && !s.startsWith("-") ? "-" + s : s;
        }

        /** Python's {@code format(v, ".4e")}. */
        static String sci(double v) {
            if (Double.isNaN(v) || Double.isInfinite(v)) {
                return fixed(v, 0);
            }
            boolean negative = v < 0 || Double.doubleToRawLongBits(v) == Long.MIN_VALUE;
            String mant;
            int exp;
            if (v == 0) {
                mant = "0" + "0".repeat(PRECISION);
                exp = 0;
            } else {
                BigDecimal bd = new BigDecimal(Math.abs(v)).round(new MathContext(PRECISION + 1, RoundingMode.HALF_EVEN));
                String digits = bd.unscaledValue().toString();
                exp = digits.length() - 1 - bd.scale();
                mant = (digits + "0".repeat(PRECISION + 1)).substring(0, PRECISION + 1);
            }
            String e = Integer.toString(Math.abs(exp));
            return (negative ? "-" : "") + mant.charAt(0) + "." + mant.substring(1) + "e" + (exp < 0 ? "-" : "+")
                    + (e.length() < 2 ? "0" + e : e);
        }
    }

    // ================================================================ kernels

    private static final int U_COPY = 0;
    private static final int U_FILL = 1;
    private static final int U_ADD = 2;
    private static final int U_MUL = 3;
    private static final int U_NEG = 4;
    private static final int U_ABS = 5;

    private static final int B_ADD = 0;
    private static final int B_SUB = 1;
    private static final int B_MUL = 2;
    private static final int B_DIV = 3;
    private static final int B_SECOND = 4;
    private static final int B_AXPY = 5;
    private static final int B_TANH_GRAD = 6;
    private static final int B_SIGMOID_GRAD = 7;
    private static final int B_RELU_GRAD = 8;

    private static final int A_EXP = 0;
    private static final int A_TANH = 1;
    private static final int A_SIGMOID = 2;
    private static final int A_RELU = 3;

    private Tensor unary(int op, float s) {
        Tensor out = fresh(shape.clone());
        unaryLoop(op, s, shape, data, offset, strides, out.data, 0, out.strides);
        return out;
    }

    private Tensor unaryInPlace(String name, int op, float s) {
        checkWritable(name);
        unaryLoop(op, s, shape, data, offset, strides, data, offset, strides);
        return this;
    }

    private Tensor activation(int kind) {
        Tensor src = contiguous();
        Tensor out = fresh(shape.clone());
        applyActivation(kind, src.data, src.offset, out.data, 0, out.data.length);
        return out;
    }

    private Tensor activationInPlace(String name, int kind) {
        checkWritable(name);
        if (isContiguous()) {
            applyActivation(kind, data, offset, data, offset, numel());
        } else {
            Tensor r = activation(kind);
            unaryLoop(U_COPY, 0f, shape, r.data, 0, r.strides, data, offset, strides);
        }
        return this;
    }

    private static void applyActivation(int kind, float[] src, int srcOff, float[] dst, int dstOff, int n) {
        switch (kind) {
            case A_EXP -> Activations.exp(src, srcOff, dst, dstOff, n);
            case A_TANH -> Activations.tanh(src, srcOff, dst, dstOff, n);
            case A_SIGMOID -> Activations.sigmoid(src, srcOff, dst, dstOff, n);
            default -> Activations.relu(src, srcOff, dst, dstOff, n);
        }
    }

    private static Tensor binary(String name, int op, float alpha, Tensor a, Tensor b) {
        Objects.requireNonNull(b, op >= B_TANH_GRAD ? "gradY" : "other");
        int[] s = broadcastShapes(a.shape, b.shape);
        Tensor out = fresh(s);
        binaryLoop(op, alpha, s, a.data, a.offset, broadcastStrides(a, s), b.data, b.offset,
                broadcastStrides(b, s), out.data, 0, out.strides);
        return out;
    }

    private void binaryInPlace(String name, int op, float alpha, Tensor other) {
        Objects.requireNonNull(other, op == B_SECOND ? "src" : "other");
        checkWritable(name);
        int[] s = broadcastShapes(shape, other.shape);
        if (!Arrays.equals(s, shape)) {
            throw new IllegalArgumentException(name + ": output with shape " + Arrays.toString(shape)
                    + " doesn't match the broadcast shape " + Arrays.toString(s));
        }
        Tensor src = other;
        if (other.data == data && !(other.offset == offset && Arrays.equals(other.strides, strides))) {
            src = other.copy(); // overlapping storage with a different layout: read from a snapshot
        }
        binaryLoop(op, alpha, shape, data, offset, strides, src.data, src.offset, broadcastStrides(src, shape),
                data, offset, strides);
    }

    private void checkWritable(String name) {
        for (int d = 0; d < shape.length; d++) {
            if (strides[d] == 0 && shape[d] > 1) {
                throw new IllegalArgumentException(name + ": unsupported operation: more than one element of the"
                        + " written-to tensor refers to a single memory location (dim " + d + " has stride 0,"
                        + " e.g. from expand). Please copy() the tensor before performing the operation.");
            }
        }
        version[0]++;
    }

    private static void unaryLoop(int op, float s, int[] shape, float[] x, int xo, int[] xs,
                                  float[] o, int oo, int[] os) {
        if (shape.length == 0) {
            shape = new int[] {1};
            xs = new int[] {0};
            os = new int[] {0};
        }
        if (numel(shape) == 0) {
            return;
        }
        int nd = shape.length;
        int inner = shape[nd - 1];
        int xi = xs[nd - 1];
        int oi = os[nd - 1];
        int[] idx = new int[nd];
        while (true) {
            unaryRow(op, s, inner, x, xo, xi, o, oo, oi);
            int d = nd - 2;
            for (; d >= 0; d--) {
                xo += xs[d];
                oo += os[d];
                if (++idx[d] < shape[d]) {
                    break;
                }
                xo -= xs[d] * shape[d];
                oo -= os[d] * shape[d];
                idx[d] = 0;
            }
            if (d < 0) {
                return;
            }
        }
    }

    private static void unaryRow(int op, float s, int n, float[] x, int xo, int xs, float[] o, int oo, int os) {
        switch (op) {
            case U_COPY -> {
                if (xs == 1 && os == 1) {
                    System.arraycopy(x, xo, o, oo, n);
                    return;
                }
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = x[xo + i * xs];
                }
            }
            case U_FILL -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = s;
                }
            }
            case U_ADD -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = x[xo + i * xs] + s;
                }
            }
            case U_MUL -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = x[xo + i * xs] * s;
                }
            }
            case U_NEG -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = -x[xo + i * xs];
                }
            }
            default -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = Math.abs(x[xo + i * xs]);
                }
            }
        }
    }

    private static void binaryLoop(int op, float alpha, int[] shape, float[] a, int ao, int[] as,
                                   float[] b, int bo, int[] bs, float[] o, int oo, int[] os) {
        if (shape.length == 0) {
            shape = new int[] {1};
            as = new int[] {0};
            bs = new int[] {0};
            os = new int[] {0};
        }
        if (numel(shape) == 0) {
            return;
        }
        int nd = shape.length;
        int inner = shape[nd - 1];
        int ai = as[nd - 1];
        int bi = bs[nd - 1];
        int oi = os[nd - 1];
        int[] idx = new int[nd];
        while (true) {
            binaryRow(op, alpha, inner, a, ao, ai, b, bo, bi, o, oo, oi);
            int d = nd - 2;
            for (; d >= 0; d--) {
                ao += as[d];
                bo += bs[d];
                oo += os[d];
                if (++idx[d] < shape[d]) {
                    break;
                }
                ao -= as[d] * shape[d];
                bo -= bs[d] * shape[d];
                oo -= os[d] * shape[d];
                idx[d] = 0;
            }
            if (d < 0) {
                return;
            }
        }
    }

    private static void binaryRow(int op, float alpha, int n, float[] a, int ao, int as, float[] b, int bo, int bs,
                                  float[] o, int oo, int os) {
        switch (op) {
            case B_ADD -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = a[ao + i * as] + b[bo + i * bs];
                }
            }
            case B_SUB -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = a[ao + i * as] - b[bo + i * bs];
                }
            }
            case B_MUL -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = a[ao + i * as] * b[bo + i * bs];
                }
            }
            case B_DIV -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = a[ao + i * as] / b[bo + i * bs];
                }
            }
            case B_SECOND -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = b[bo + i * bs];
                }
            }
            case B_AXPY -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = a[ao + i * as] + alpha * b[bo + i * bs];
                }
            }
            case B_TANH_GRAD -> {
                for (int i = 0; i < n; i++) {
                    float y = a[ao + i * as];
                    o[oo + i * os] = b[bo + i * bs] * (1f - y * y);
                }
            }
            case B_SIGMOID_GRAD -> {
                for (int i = 0; i < n; i++) {
                    float y = a[ao + i * as];
                    o[oo + i * os] = b[bo + i * bs] * ((1f - y) * y);
                }
            }
            default -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = a[ao + i * as] > 0f ? b[bo + i * bs] : 0f;
                }
            }
        }
    }

    /** Storage offsets of every element of (shape, strides, offset), in row-major order. */
    private static int[] offsets(int[] shape, int[] strides, int offset) {
        int n = numel(shape);
        int[] out = new int[n];
        int nd = shape.length;
        int[] idx = new int[nd];
        int p = offset;
        for (int i = 0; i < n; i++) {
            out[i] = p;
            for (int d = nd - 1; d >= 0; d--) {
                p += strides[d];
                if (++idx[d] < shape[d]) {
                    break;
                }
                p -= strides[d] * shape[d];
                idx[d] = 0;
            }
        }
        return out;
    }

    // ================================================================ helpers

    static int[] broadcastShapes(int[] a, int[] b) {
        int n = Math.max(a.length, b.length);
        int[] s = new int[n];
        for (int i = n - 1; i >= 0; i--) {     // right to left, so errors name the last mismatch as torch
            int da = i - (n - a.length);
            int db = i - (n - b.length);
            int sa = da >= 0 ? a[da] : 1;
            int sb = db >= 0 ? b[db] : 1;
            if (sa == sb || sb == 1) {
                s[i] = sa;
            } else if (sa == 1) {
                s[i] = sb;
            } else {
                throw new IllegalArgumentException("The size of tensor a (" + sa + ") must match the size of tensor b ("
                        + sb + ") at non-singleton dimension " + i);
            }
        }
        return checkShape(s);
    }

    private static int[] broadcastStrides(Tensor t, int[] s) {
        int[] st = new int[s.length];
        int lead = s.length - t.shape.length;
        for (int i = 0; i < s.length; i++) {
            int d = i - lead;
            st[i] = d < 0 || (t.shape[d] == 1 && s[i] != 1) ? 0 : t.strides[d];
        }
        return st;
    }

    /** torch's maybe_wrap_dim; a 0-d tensor accepts dims -1 and 0. */
    static int wrapDim(int dim, int ndim) {
        int n = Math.max(ndim, 1);
        if (dim < -n || dim >= n) {
            throw new IllegalArgumentException("Dimension out of range (expected to be in range of [" + (-n) + ", "
                    + (n - 1) + "], but got " + dim + ")");
        }
        return dim < 0 ? dim + n : dim;
    }

    private static int[] remove(int[] a, int d) {
        int[] r = new int[a.length - 1];
        System.arraycopy(a, 0, r, 0, d);
        System.arraycopy(a, d + 1, r, d, a.length - d - 1);
        return r;
    }

    private static int[] insert(int[] a, int d, int v) {
        int[] r = new int[a.length + 1];
        System.arraycopy(a, 0, r, 0, d);
        r[d] = v;
        System.arraycopy(a, d, r, d + 1, a.length - d);
        return r;
    }

    static int[] checkShape(int[] shape) {
        Objects.requireNonNull(shape, "shape");
        int[] s = shape.clone();
        long n = 1;
        for (int d = 0; d < s.length; d++) {
            if (s[d] < 0) {
                throw new IllegalArgumentException("shape " + Arrays.toString(s) + " has a negative size at dim " + d);
            }
        }
        for (int v : s) {
            if (v == 0) {
                return s;
            }
        }
        for (int v : s) {
            n *= v;
            if (n > MAX_NUMEL) {
                throw new IllegalArgumentException("shape " + Arrays.toString(s) + " has more than "
                        + MAX_NUMEL + " elements");
            }
        }
        return s;
    }

    static int numel(int[] shape) {
        int n = 1;
        for (int v : shape) {
            n *= v;
        }
        return n;
    }

    static int[] contiguousStrides(int[] shape) {
        int[] st = new int[shape.length];
        int acc = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            st[d] = acc;
            acc *= Math.max(shape[d], 1);
        }
        return st;
    }
}
